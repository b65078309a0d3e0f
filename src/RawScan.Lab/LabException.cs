namespace RawScan.Lab;

/// <summary>
/// Building, serving or tearing down a lab failed. The message is one line: for a failed command,
/// the command line and what it printed on stderr, so the user can run it again by hand.
/// </summary>
public sealed class LabException(string message, Exception? inner = null) : Exception(message, inner);
