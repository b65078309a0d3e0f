using System.Security.Cryptography;

namespace RawScan.Interop;

/// <summary>
/// Unpredictable bytes for a scan's keys (the cookie's SipHash key, the probe order's seed). On Linux
/// straight from the kernel (getrandom(2)); .NET's <see cref="RandomNumberGenerator"/> would load and
/// initialise OpenSSL for them (libssl and libcrypto: 3.4 MB of the resident set and a few ms of every
/// scan's start, which needs nothing else of it). Elsewhere the platform's generator.
/// </summary>
public static class SecureRandom
{
    public static unsafe void Fill(Span<byte> bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomNumberGenerator.Fill(bytes);
            return;
        }
        fixed (byte* start = bytes)
        {
            for (int done = 0; done < bytes.Length;)
            {
                // Blocks only until the kernel's pool is first initialised (early boot); EINTR: again.
                nint n = Libc.GetRandom(start + done, (nuint)(bytes.Length - done), 0);
                if (n > 0) done += (int)n;
                else if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Libc.EINTR)
                {
                    RandomNumberGenerator.Fill(bytes[done..]);       // a kernel without getrandom (before 3.17)
                    return;
                }
            }
        }
    }

    public static ulong NextUInt64()
    {
        Span<byte> b = stackalloc byte[8];
        Fill(b);
        return BitConverter.ToUInt64(b);
    }
}
