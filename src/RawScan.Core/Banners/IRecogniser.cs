using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// Names a service from the bytes it sent, written from the protocol's RFC or its greeting's format.
/// One class per protocol; the one list is <see cref="Recognisers.All"/>. Called only for a banner not
/// already in <see cref="ServiceIdentifier"/>'s cache, so it may allocate; it must not throw.
/// </summary>
public interface IRecogniser
{
    /// <summary>Reported as the finding's recogniser: "ssh", "http"...</summary>
    string Name { get; }

    /// <summary>Service (and product, version, info, tunnel, certificate names where the bytes say them), or null when the bytes are not this protocol's.</summary>
    ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context);
}
