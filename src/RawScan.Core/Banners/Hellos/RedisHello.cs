namespace RawScan.Banners;

/// <summary>
/// Redis <c>INFO server</c> as a RESP array (the Redis protocol specification): the answer is a bulk
/// string whose <c>redis_version:</c> line gives the version (PING only says PONG). A server with a
/// password answers -NOAUTH, which still names it. nmap's redis-server probe sends INFO too.
/// </summary>
public sealed class RedisHello : IHello
{
    private static readonly byte[] Command = "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"u8.ToArray();

    public string Name => "redis";
    public string? NmapProbe => "redis-server";
    public int MaxLength => Command.Length;

    public int Write(Span<byte> destination, UInt128 address, ushort port)
    {
        Command.CopyTo(destination);
        return Command.Length;
    }
}
