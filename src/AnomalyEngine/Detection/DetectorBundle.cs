using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AnomalyEngine.Detection;

/// <summary>
/// The detector bundle (docs/detector-format.md): a folder with manifest.json and one raw
/// little-endian float32 file per tensor. Written into a temporary sibling folder, then renamed.
/// </summary>
internal static class DetectorBundle
{
    internal const string Format = "anomaly-engine.detector";
    internal const int FormatVersion = 1;

    internal static JsonObject BackboneDescription() => new()
    {
        ["model"] = "Microsoft.ML.DnnImageFeaturizer.ResNet18/0.23.1",
        ["layers"] = new JsonArray(Backbone.ResNet18Graph.Layer2, Backbone.ResNet18Graph.Layer3),
        ["aggregation"] = "avgpool3x3, layer3 bilinear to layer2 grid, concat",
    };

    internal static void Save(string folder, string kind, JsonObject settings, IReadOnlyList<(string Name, float[] Values, int[] Shape)> tensors)
    {
        var manifest = new JsonObject
        {
            ["format"] = Format,
            ["formatVersion"] = FormatVersion,
            ["kind"] = kind,
            ["backbone"] = BackboneDescription(),
        };
        foreach (var (key, value) in settings)
            manifest[key] = value?.DeepClone();
        manifest["tensors"] = new JsonArray(tensors.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["file"] = t.Name + ".f32",
            ["shape"] = new JsonArray(t.Shape.Select(s => (JsonNode)s).ToArray()),
        }).ToArray());

        string full = Path.GetFullPath(folder);
        string parent = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(parent);
        string temp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            foreach (var t in tensors)
                File.WriteAllBytes(Path.Combine(temp, t.Name + ".f32"), MemoryMarshal.AsBytes(t.Values.AsSpan()).ToArray());
            File.WriteAllText(Path.Combine(temp, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            if (Directory.Exists(full))
            {
                string old = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.old");
                Directory.Move(full, old);
                Directory.Move(temp, full);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temp, full);
            }
        }
        finally
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>The checked manifest and its kind.</summary>
    internal static (JsonNode Root, string Kind) ReadManifest(string folder)
    {
        string manifestPath = Path.Combine(folder, "manifest.json");
        if (!File.Exists(manifestPath))
            throw new ModelException($"'{folder}' is not a detector bundle: manifest.json is missing.");
        JsonNode root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(manifestPath)) ?? throw new ModelException($"'{manifestPath}' is empty.");
        }
        catch (JsonException e)
        {
            throw new ModelException($"'{manifestPath}' is not valid JSON: {e.Message}", e);
        }
        if ((string?)root["format"] != Format)
            throw new ModelException($"'{manifestPath}' is not a detector manifest (format is not '{Format}').");
        int version = (int?)root["formatVersion"] ?? 0;
        if (version != FormatVersion)
            throw new ModelException($"The detector bundle has format version {version}; this engine reads version {FormatVersion}.");
        return (root, (string?)root["kind"] ?? "");
    }

    /// <summary>Reads every listed tensor into the arrays of <paramref name="expected"/> (name → exact length); all must be present.</summary>
    internal static void ReadTensors(string folder, JsonNode root, IReadOnlyDictionary<string, float[]> expected, ISet<string>? optional = null)
    {
        var seen = new HashSet<string>();
        foreach (var t in root["tensors"]?.AsArray() ?? throw new ModelException("The detector manifest lists no tensors."))
        {
            string name = (string?)t?["name"] ?? throw new ModelException("A tensor in the detector manifest has no name.");
            string file = (string?)t?["file"] ?? throw new ModelException($"Tensor '{name}' has no file.");
            if (!expected.TryGetValue(name, out var target))
                throw new ModelException($"The detector manifest holds an unknown tensor '{name}'.");
            string path = Path.Combine(folder, file);
            if (!File.Exists(path))
                throw new ModelException($"The detector bundle lacks '{file}'.");
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length != target.Length * sizeof(float))
                throw new ModelException($"'{file}' holds {bytes.Length} bytes; tensor '{name}' needs {target.Length * sizeof(float)}.");
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(target);
            foreach (var v in target)
                if (!float.IsFinite(v))
                    throw new ModelException($"Tensor '{name}' in '{file}' holds NaN or infinity.");
            seen.Add(name);
        }
        var missing = expected.Keys.Except(seen).Where(k => optional is null || !optional.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new ModelException($"The detector bundle lacks tensors: {string.Join(", ", missing)}.");
    }

    internal static int PositiveInt(JsonNode root, string key) =>
        (int?)root[key] is int v && v > 0 ? v : throw new ModelException($"The detector manifest needs a positive integer '{key}'.");
}
