namespace AnomalyEngine.Reports;

/// <summary>Writes a file under a temporary name and renames it, so a reader never sees half a report.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        string tmp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
