namespace RawScan.Banners;

/// <summary>
/// memcached's text protocol <c>version</c> command (protocol.txt): one line back, <c>VERSION 1.6.18</c>.
/// nmap's Memcache probe sends <c>stats</c> instead and its rules read STAT lines, not this answer, so
/// no nmap probe applies beyond the NULL probe's.
/// </summary>
public sealed class MemcachedHello : IHello
{
    private static readonly byte[] Command = "version\r\n"u8.ToArray();

    public string Name => "memcached";
    public string? NmapProbe => null;
    public int MaxLength => Command.Length;

    public int Write(Span<byte> destination, UInt128 address, ushort port)
    {
        Command.CopyTo(destination);
        return Command.Length;
    }
}
