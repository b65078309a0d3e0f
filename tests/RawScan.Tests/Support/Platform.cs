// The tests run on Linux only (root, network namespaces, tcpdump): they may call the Linux-only
// interop (RawscanNative, Libc) without the OperatingSystem.IsLinux() guard the product needs.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
