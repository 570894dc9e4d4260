using System.Text.Json.Serialization;

namespace AnomalyEngine.Generation;

/// <summary>The provenance of one generated image: one line of <c>manifest.jsonl</c>.</summary>
public sealed record ManifestEntry
{
    /// <summary>The item's stable key, hexadecimal.</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("source")] public required string Source { get; init; }
    [JsonPropertyName("defect")] public required string Defect { get; init; }
    [JsonPropertyName("box_index")] public required int BoxIndex { get; init; }
    [JsonPropertyName("sample")] public required int Sample { get; init; }
    /// <summary>The box in the source image's pixels: centre, size, angle in degrees.</summary>
    [JsonPropertyName("box")] public required double[] Box { get; init; }
    [JsonPropertyName("seed")] public required ulong Seed { get; init; }
    [JsonPropertyName("embedding")] public required string Embedding { get; init; }
    [JsonPropertyName("embedding_sha256")] public required string EmbeddingSha256 { get; init; }
    [JsonPropertyName("bundle")] public required string Bundle { get; init; }
    /// <summary>Sampler settings: steps, eta, guidance, strength, paste-back.</summary>
    [JsonPropertyName("settings")] public required IReadOnlyDictionary<string, object> Settings { get; init; }
    /// <summary>The image, relative to the output folder.</summary>
    [JsonPropertyName("image")] public required string Image { get; init; }
    /// <summary>The box mask, relative to the output folder.</summary>
    [JsonPropertyName("mask")] public required string Mask { get; init; }
    /// <summary>The refined mask (changed pixels inside the box), when asked for.</summary>
    [JsonPropertyName("refined_mask")] public string? RefinedMask { get; init; }
}
