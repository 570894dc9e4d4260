using AnomalyEngine.Compute;

namespace AnomalyEngine.Cli;

/// <summary>Where the command line finds bundles and which compute device it uses.</summary>
internal static class BundleLocation
{
    /// <summary>The embedded default bundle, installed beside the program.</summary>
    public static string Default => Path.Combine(AppContext.BaseDirectory, "models", "default");

    /// <summary>The given bundle folder, or the default one.</summary>
    public static string Resolve(string? given)
    {
        if (!string.IsNullOrEmpty(given)) return given;
        if (File.Exists(Path.Combine(Default, "manifest.json"))) return Default;
        throw new ModelException($"No --bundle given and no default bundle at {Default}: build with ./build.sh, or pass --bundle <folder>.");
    }

    /// <summary>Parses --device auto|cpu|cuda.</summary>
    public static DevicePreference Device(string text) => text.ToLowerInvariant() switch
    {
        "auto" => DevicePreference.Auto,
        "cpu" => DevicePreference.Cpu,
        "cuda" => DevicePreference.Cuda,
        _ => throw new InvalidOptionException($"--device must be auto, cpu or cuda (got \"{text}\")."),
    };
}
