using RawScan.Output;
using RawScan.Results;

namespace RawScan.Cli;

/// <summary>Reports read by the commands that read them (diff, merge): any readable format, and one line naming the file when it cannot be read.</summary>
internal static class ReportFiles
{
    /// <summary>
    /// The entries of the report at <paramref name="path"/>; false, with one line on <paramref name="stderr"/>
    /// naming the file, when it cannot be read. A report whose last line was cut short is read without it, and
    /// a line says so.
    /// </summary>
    internal static bool TryRead(string path, TextWriter stderr, out List<ReportEntry> results)
    {
        results = [];
        string reason;
        try
        {
            if (Directory.Exists(path)) reason = "is a directory, not a report";
            else
            {
                results = ReportReader.ReadEntries(path, out _, out bool cutShort);
                if (cutShort) stderr.WriteLine($"rawscan: {path}: its last line was cut short (its scan was killed while writing it) and is left out");
                return true;
            }
        }
        // The readers' FormatExceptions are our own one-line words; anything else is the runtime's
        // text (a permission message, a decoder's), which a user should not have to read.
        catch (FormatException e) { reason = Printable(e.Message); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { reason = "no such file"; }
        catch (UnauthorizedAccessException) { reason = "cannot be read (permission denied)"; }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException or System.Security.SecurityException
                                  or InvalidOperationException or KeyNotFoundException or OverflowException or OutOfMemoryException)
        {
            reason = "cannot be read as a report";
        }
        stderr.WriteLine($"rawscan: {new BadInputException("file", path, reason).Message}");
        return false;
    }

    /// <summary>One line of printable text: a binary file's bytes quoted in a message must not reach the terminal as controls.</summary>
    internal static string Printable(string s)
    {
        var chars = s.ReplaceLineEndings(" ").ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (char.IsControl(chars[i]) || chars[i] == '\uFFFD') chars[i] = '?';
        return new string(chars);
    }
}
