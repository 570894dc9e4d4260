using System.Text.Json;
using System.Text.Json.Serialization;

namespace AnomalyEngine.Embedding;

/// <summary>One support image and its mask, with SHA-256 hashes so a later reader can tell whether they changed.</summary>
public sealed record SupportFile(
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("image_sha256")] string ImageSha256,
    [property: JsonPropertyName("mask")] string Mask,
    [property: JsonPropertyName("mask_sha256")] string MaskSha256);

/// <summary>Defect box sizes as fractions of the image side, estimated from the support masks' bounding boxes.</summary>
public sealed record BoxSizeRange(
    [property: JsonPropertyName("min_width")] double MinWidth,
    [property: JsonPropertyName("max_width")] double MaxWidth,
    [property: JsonPropertyName("min_height")] double MinHeight,
    [property: JsonPropertyName("max_height")] double MaxHeight);

/// <summary>
/// A learned anomaly embedding: the placeholder token's vector plus where it came from.
/// Stored as one JSON file (format "anomaly-engine-embedding", version 1; see docs/embedding-format.md).
/// </summary>
public sealed record AnomalyEmbedding
{
    public const string FormatName = "anomaly-engine-embedding";
    public const int CurrentVersion = 1;

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;
    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    /// <summary>The bundle the vector belongs to; it is meaningless with another bundle.</summary>
    [JsonPropertyName("bundle_id")] public required string BundleId { get; init; }
    /// <summary>The defect type's name, e.g. "crack".</summary>
    [JsonPropertyName("defect")] public required string Defect { get; init; }
    /// <summary>The vector that replaces the placeholder slot of the bundle's conditioning template.</summary>
    [JsonPropertyName("vector")] public required float[] Vector { get; init; }
    [JsonPropertyName("support")] public required IReadOnlyList<SupportFile> Support { get; init; }
    [JsonPropertyName("box_sizes")] public BoxSizeRange? BoxSizes { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("final_loss")] public required double FinalLoss { get; init; }
    /// <summary>"exact" (unet_grad) or "gradient-free".</summary>
    [JsonPropertyName("gradient")] public required string Gradient { get; init; }
    [JsonPropertyName("seed")] public required ulong Seed { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes the file atomically (temporary name, then rename).</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>Reads and checks an embedding file.</summary>
    public static AnomalyEmbedding Load(string path)
    {
        if (!File.Exists(path)) throw new ModelException($"Embedding file not found: {path}. Learn one with `anomaly-engine learn`.");
        AnomalyEmbedding? e;
        try { e = JsonSerializer.Deserialize<AnomalyEmbedding>(File.ReadAllText(path), Json); }
        catch (JsonException ex) { throw new ModelException($"{path} is not a valid embedding file: {ex.Message}", ex); }
        if (e is null || e.Format != FormatName)
            throw new ModelException($"{path} is not an anomaly-engine embedding (format \"{e?.Format}\").");
        if (e.Version != CurrentVersion)
            throw new ModelException($"{path} has embedding format version {e.Version}; this engine reads version {CurrentVersion}.");
        if (e.Vector.Length == 0 || e.Vector.Any(v => !float.IsFinite(v)))
            throw new ModelException($"{path} holds an empty or non-finite vector: learn it again.");
        return e;
    }
}
