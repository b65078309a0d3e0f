using System.Text;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>The lab's DNS responder (udp/53) as a pure function: bytes in, bytes out.</summary>
public class LabUdpDnsTests
{
    private const uint Destination = 0xC6120709; // 198.18.7.9

    /// <summary>A standard query with RD set: ID 0x1234, one question.</summary>
    internal static byte[] Query(string name, ushort type = 1, ushort @class = 1, ushort id = 0x1234, byte flags = 0x01)
    {
        var q = new List<byte> { (byte)(id >> 8), (byte)id, flags, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            q.Add((byte)label.Length);
            q.AddRange(Encoding.ASCII.GetBytes(label));
        }
        q.AddRange([0, (byte)(type >> 8), (byte)type, (byte)(@class >> 8), (byte)@class]);
        return [.. q];
    }

    private static byte[]? Respond(byte[] query)
    {
        var reply = new byte[DnsResponder.MaxReplyLength];
        int n = DnsResponder.Respond(query, Destination, reply);
        return n == 0 ? null : reply[..n];
    }

    [Fact]
    public void AnswersAWithTheQueriedAddressEchoingIdAndQuestionCase()
    {
        var query = Query("ExAmPlE.cOm");
        var reply = Respond(query)!;
        Assert.Equal(query[..2], reply[..2]);                        // ID
        Assert.Equal(0x85, reply[2]);                                // QR, AA, RD copied
        Assert.Equal(0x00, reply[3]);                                // RA 0, RCODE NOERROR
        Assert.Equal(new byte[] { 0, 1, 0, 1, 0, 0, 0, 0 }, reply[4..12]);
        Assert.Equal(query[12..], reply[12..query.Length]);          // the question, letter case and all
        Assert.Equal(new byte[] { 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 198, 18, 7, 9 }, reply[query.Length..]);
    }

    [Theory]
    [InlineData("version.bind")]
    [InlineData("VERSION.BIND")]
    [InlineData("VeRsIoN.bInD")]
    public void AnswersVersionBindInAnyCase(string name)
    {
        var query = Query(name, type: 16, @class: 3);
        var reply = Respond(query)!;
        Assert.Equal(query[12..], reply[12..query.Length]);
        Assert.Equal(1, reply[7]);                                   // ANCOUNT
        var txt = reply[query.Length..];
        Assert.Equal(new byte[] { 0xC0, 0x0C, 0, 16, 0, 3, 0, 0, 0, 0, 0, 12, 11 }, txt[..13]);
        Assert.Equal("RawScan lab", Encoding.ASCII.GetString(txt[13..]));
    }

    [Fact]
    public void AnswersAaaaOverIpv6WithTheQueriedAddressAndAOverIpv6WithNothing()
    {
        UInt128 to = RawScan.Targets.Ipv6.Parse("2001:db8:1::105");
        var reply = new byte[DnsResponder.MaxReplyLength];
        var query = Query("ExAmPlE.cOm", type: 28);
        int n = DnsResponder.Respond(query, to, reply);
        Assert.Equal(query.Length + 28, n);
        Assert.Equal(1, reply[7]);                                   // ANCOUNT
        Assert.Equal(query[12..], reply[12..query.Length]);
        Assert.Equal(new byte[] { 0xC0, 0x0C, 0, 28, 0, 1, 0, 0, 0, 0, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x05 },
            reply[query.Length..n]);

        var a = Query("example.com", type: 1);
        Assert.Equal(a.Length, DnsResponder.Respond(a, to, reply)); // NOERROR, no answer: no IPv4 address was asked
        Assert.Equal(0, reply[7]);

        // The longest name with an AAAA answer fits MaxReplyLength.
        var longest = Query(string.Join('.', Enumerable.Repeat(new string('a', 63), 3).Append(new string('b', 61))), type: 28);
        Assert.Equal(DnsResponder.MaxReplyLength, DnsResponder.Respond(longest, to, reply));
    }

    [Fact]
    public void AnIpv4MappedDestinationIsIpv4()
    {
        var reply = new byte[DnsResponder.MaxReplyLength];
        var query = Query("example.com");
        int n = DnsResponder.Respond(query, ((UInt128)0xffff << 32) | Destination, reply);
        Assert.Equal(new byte[] { 0, 4, 198, 18, 7, 9 }, reply[(n - 6)..n]);
    }

    [Theory]
    [InlineData("example.com", 28, 1)]   // AAAA
    [InlineData("version.bind", 16, 1)]  // TXT, but IN
    [InlineData("version.bin", 16, 3)]
    [InlineData("", 2, 1)]               // the root, NS
    public void AnswersAnythingElseWithNoErrorAndNoAnswer(string name, int type, int @class)
    {
        var query = Query(name, (ushort)type, (ushort)@class);
        var reply = Respond(query)!;
        Assert.Equal(query.Length, reply.Length);
        Assert.Equal(query[12..], reply[12..]);
        Assert.Equal(0x85, reply[2]);
        Assert.Equal(0, reply[3]);
        Assert.Equal(0, reply[7]);
    }

    [Fact]
    public void KeepsRdAsAskedAndIgnoresAdditionalRecords()
    {
        var query = Query("a.b", flags: 0x00);
        Assert.Equal(0x84, Respond(query)![2]);
        // An EDNS OPT record after the question: answered, without it (ARCOUNT 0).
        byte[] edns = [.. query, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0];
        edns[11] = 1;
        var reply = Respond(edns)!;
        Assert.Equal(0, reply[11]);
        Assert.Equal(query[12..], reply[12..query.Length]);
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        var ok = Query("example.com");
        byte[] With(Action<byte[]> change) { var q = (byte[])ok.Clone(); change(q); return q; }
        var longName = Query(string.Join('.', Enumerable.Repeat(new string('a', 63), 4)));   // 4 x 64 + 1 = 257 bytes
        return new()
        {
            { "empty", [] },
            { "header only, short", ok[..11] },
            { "header, no question", ok[..12] },
            { "a response (QR 1)", With(q => q[2] |= 0x80) },
            { "opcode 1 (IQUERY)", With(q => q[2] |= 0x08) },
            { "opcode 2 (STATUS)", With(q => q[2] |= 0x10) },
            { "QDCOUNT 0", With(q => q[5] = 0) },
            { "QDCOUNT 2", With(q => q[5] = 2) },
            { "QDCOUNT 256", With(q => { q[4] = 1; q[5] = 0; }) },
            { "no type and class", ok[..^4] },
            { "half a class", ok[..^1] },
            { "name without its root", ok[..^5] },
            { "label longer than what follows", With(q => q[12] = 60) },
            { "label of 64", With(q => q[12] = 64) },
            { "compression pointer", With(q => { q[12] = 0xC0; q[13] = 0x0C; }) },
            { "reserved label type 0x80", With(q => q[12] = 0x80) },
            { "name over 255 bytes", longName },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void IgnoresMalformedQueries(string what, byte[] query) =>
        Assert.True(Respond(query) is null, what);

    [Fact]
    public void NameOfExactly255BytesIsAnswered()
    {
        // 3 x 64 + 62 + root = 255.
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 3).Append(new string('b', 61)));
        Assert.NotNull(Respond(Query(name)));
    }

    [Fact]
    public void NeverThrowsOnRandomOrMutatedInput()
    {
        var random = new Random(20240601);
        var reply = new byte[DnsResponder.MaxReplyLength];
        var seeds = new[] { Query("ExAmPlE.cOm"), Query("version.bind", 16, 3), Query("x", 28) };
        for (int i = 0; i < 10_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
                if (input.Length > 5 && i % 4 == 0) { input[2] &= 0x07; input[4] = 0; input[5] = 1; } // past the header checks
            }
            else
            {
                var seed = seeds[i % seeds.Length];
                input = (byte[])seed.Clone();
                for (int m = random.Next(1, 4); m > 0; m--) input[random.Next(input.Length)] = (byte)random.Next(256);
                if (random.Next(4) == 0) input = input[..random.Next(input.Length)];
            }
            int n = DnsResponder.Respond(input, Destination, reply);
            Assert.InRange(n, 0, DnsResponder.MaxReplyLength);
            if (n > 0)
            {
                Assert.Equal(input[..2], reply[..2]);
                Assert.Equal(0x80, reply[2] & 0x80);
            }
        }
    }
}
