using System.Text.Json;

namespace AnomalyEngine.Generation;

/// <summary>
/// <c>manifest.jsonl</c>: one line per finished item, appended and flushed only after the item's
/// files are in place, so a crash loses at most the item in flight and a resume trusts every line.
/// </summary>
public sealed class GenerationManifest : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly FileStream _stream;
    private readonly StreamWriter _writer;

    private GenerationManifest(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        _writer = new StreamWriter(_stream) { AutoFlush = false };
    }

    public string Path { get; }

    /// <summary>The manifest's file name for a shard: <c>manifest.jsonl</c> for a whole run, <c>manifest.shard-i-of-n.jsonl</c> otherwise.</summary>
    public static string FileName(Shard shard) => shard.Count == 1 ? "manifest.jsonl" : $"manifest.shard-{shard.Index}-of-{shard.Count}.jsonl";

    /// <summary>Opens for appending (creating it when absent).</summary>
    public static GenerationManifest Open(string path) => new(path);

    /// <summary>Appends one entry and forces it to disk.</summary>
    public void Append(ManifestEntry entry)
    {
        _writer.Write(JsonSerializer.Serialize(entry, Json));
        _writer.Write('\n');
        _writer.Flush();
        _stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Reads the entries of a manifest; a last line cut short by a crash is ignored (its item is
    /// simply generated again), any other unreadable line is an error.
    /// </summary>
    public static List<ManifestEntry> Read(string path)
    {
        var entries = new List<ManifestEntry>();
        if (!File.Exists(path)) return entries;
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            bool last = i == lines.Length - 1; // no trailing newline: written partially
            try
            {
                entries.Add(JsonSerializer.Deserialize<ManifestEntry>(lines[i], Json)
                            ?? throw new JsonException("empty entry"));
            }
            catch (JsonException) when (last) { }
            catch (JsonException e)
            {
                throw new InvalidInputException($"{path}, line {i + 1}, is not a manifest entry ({e.Message}); remove the line or start a fresh output folder.", e);
            }
        }
        return entries;
    }

    /// <summary>Cuts a last line left unfinished by a crash, so that appending starts on a fresh line.</summary>
    public static void DropUnfinishedLine(string path)
    {
        if (!File.Exists(path)) return;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        long end = stream.Length;
        while (end > 0)
        {
            stream.Position = end - 1;
            if (stream.ReadByte() == '\n') break;
            end--;
        }
        if (end != stream.Length) stream.SetLength(end);
    }

    /// <summary>Rewrites the entries sorted by key, atomically: the canonical form that a whole run and merged shards share.</summary>
    public static void WriteSorted(string path, IEnumerable<ManifestEntry> entries)
    {
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllLines(temporary, entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => JsonSerializer.Serialize(e, Json)));
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }
}
