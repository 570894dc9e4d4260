using System.Text.Json;
using System.Text.Json.Serialization;

namespace AnomalyEngine.Embedding;

/// <summary>
/// Everything a learning run needs to continue exactly where it stopped: the vector, AdamW's
/// moments, the step and the loss history, plus a fingerprint of the run's inputs and settings.
/// </summary>
internal sealed record LearnCheckpoint
{
    [JsonPropertyName("fingerprint")] public required string Fingerprint { get; init; }
    [JsonPropertyName("step")] public required int Step { get; init; }
    [JsonPropertyName("vector")] public required float[] Vector { get; init; }
    [JsonPropertyName("first_moment")] public required float[] FirstMoment { get; init; }
    [JsonPropertyName("second_moment")] public required float[] SecondMoment { get; init; }
    [JsonPropertyName("losses")] public required double[] Losses { get; init; }

    public void Save(string path)
    {
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, JsonSerializer.Serialize(this));
        File.Move(temporary, path, overwrite: true);
    }

    public static LearnCheckpoint? TryLoad(string path, string fingerprint)
    {
        if (!File.Exists(path)) return null;
        LearnCheckpoint? c;
        try { c = JsonSerializer.Deserialize<LearnCheckpoint>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidInputException($"The checkpoint {path} is unreadable ({e.Message}); delete it to start over.", e); }
        if (c is null) return null;
        if (c.Fingerprint != fingerprint)
            throw new InvalidInputException($"The checkpoint {path} belongs to a run with other inputs or settings; delete it, or resume with the same options.");
        return c;
    }
}
