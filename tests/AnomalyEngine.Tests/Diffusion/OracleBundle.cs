using System.Text.Json.Nodes;

namespace AnomalyEngine.Tests.Diffusion;

/// <summary>The committed oracle bundle (tools/make_oracle_bundle.py) and throwaway copies of it to break.</summary>
internal static class OracleBundle
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "oracle-bundle");

    /// <summary>Data standard deviation of the oracle's Gaussian (manifest "oracle.data_sigma").</summary>
    public const double Sigma = 0.5;

    /// <summary>A copy of the bundle in a fresh temporary folder, with <paramref name="edit"/> applied to its manifest.</summary>
    public static string CopyWith(Action<JsonObject> edit)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ae-bundle-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        foreach (var f in System.IO.Directory.GetFiles(Directory))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!.AsObject();
        edit(manifest);
        File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString());
        return dir;
    }
}
