using System.Runtime.InteropServices;

namespace RawScan.Interop;

/// <summary>Owns a pcap_t*; pcap_close runs once, after every thread that used the handle has let go of it.</summary>
internal sealed class PcapHandle : SafeHandle
{
    public PcapHandle() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        Pcap.Close(handle);
        return true;
    }
}
