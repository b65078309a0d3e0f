using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The /16 load times are the page's, not the machine's: on 2 cores, other Chromium tests alongside took
/// the same load from 3.4 to 6.2 s, so these run with no other test beside them (as the lab's exact scans do).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HtmlTiming
{
    public const string Name = "html timing";
}
