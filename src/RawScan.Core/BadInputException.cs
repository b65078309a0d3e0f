namespace RawScan;

/// <summary>
/// Bad user input: a target, port, option or file. Carries the offending token so the CLI can print
/// one line that names it, before any capture is opened or any packet is sent.
/// </summary>
public sealed class BadInputException(string what, string token, string reason)
    : Exception($"bad {what} '{token}': {reason}")
{
    public string What { get; } = what;
    public string Token { get; } = token;
    public string Reason { get; } = reason;
}
