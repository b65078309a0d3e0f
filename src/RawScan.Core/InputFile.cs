using System.Text;

namespace RawScan;

/// <summary>
/// The user's text files (-iL, --excludefile, --udp-payloads, --nmap-payloads), read line by line
/// within limits, so that a wrong file is one line of error, not a crash or an endless read:
/// <c>-iL /dev/zero</c> read 8.4 GB before failing in .NET's own words. A directory, a missing
/// file, a line longer than <see cref="MaxLineChars"/> or a file over <see cref="MaxBytes"/> is
/// <see cref="BadInputException"/> naming the file.
/// </summary>
public static class InputFile
{
    /// <summary>Longer than any target, exclude or payload line (a payload is at most 1,472 bytes, 4 characters each as \xHH).</summary>
    public const int MaxLineChars = 8192;

    /// <summary>A target list of 4 million lines of "255.255.255.255/32" fits.</summary>
    public const long MaxBytes = 128L << 20;

    /// <exception cref="BadInputException">The file cannot be read, or breaks a limit.</exception>
    public static List<string> ReadLines(string path, string what)
    {
        // An empty name got the runtime's words ("The value cannot be an empty string. (Parameter 'path')").
        if (path.Length == 0) throw new BadInputException(what, path, "needs a file name");
        if (Directory.Exists(path)) throw new BadInputException(what, path, "is a directory, not a file");
        var lines = new List<string>();
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var line = new StringBuilder();
            long chars = 0;
            int c;
            while ((c = reader.Read()) >= 0)
            {
                if (++chars > MaxBytes) throw new BadInputException(what, path, $"larger than {MaxBytes >> 20} MiB: not a list of targets or payloads");
                if (c == '\n')
                {
                    lines.Add(line.ToString().TrimEnd('\r'));
                    line.Clear();
                    continue;
                }
                if (line.Length >= MaxLineChars)
                    throw new BadInputException(what, path, $"line {lines.Count + 1} is longer than {MaxLineChars} characters: not a list of targets or payloads");
                line.Append((char)c);
            }
            if (line.Length > 0) lines.Add(line.ToString().TrimEnd('\r'));
            return lines;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new BadInputException(what, path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file"
                : e is UnauthorizedAccessException ? "permission denied" : e.Message);
        }
    }
}
