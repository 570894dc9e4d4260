using System.Reflection;
using System.Security.Cryptography;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Detection.Backbone;

/// <summary>
/// The ImageNet ResNet-18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1
/// (a CNTK export, opset 8, fixed 1x3x224x224), rewritten once into a graph that returns the ends
/// of layers 1-3 for any batch and image size, and cached.
/// </summary>
public static class ResNet18Graph
{
    /// <summary>The graph input: BGR minus the mean (see <see cref="ResNetPreprocessing"/>), N x 3 x H x W.</summary>
    public const string InputName = "Input247";

    /// <summary>The end of layer 1 (64 channels, stride 4).</summary>
    public const string Layer1 = "ReLU283_Output_0";

    /// <summary>The end of layer 2 (128 channels, stride 8).</summary>
    public const string Layer2 = "ReLU315_Output_0";

    /// <summary>The end of layer 3 (256 channels, stride 16).</summary>
    public const string Layer3 = "ReLU347_Output_0";

    /// <summary>Environment variable that points at a ResNet18.onnx to use instead of the NuGet package's.</summary>
    public const string ModelPathVariable = "ANOMALY_ENGINE_RESNET18";

    /// <summary>Environment variable that overrides the cache folder for rewritten graphs.</summary>
    public const string CacheDirVariable = "ANOMALY_ENGINE_CACHE";

    internal const string PackageId = "microsoft.ml.dnnimagefeaturizer.resnet18";
    internal const string PackageVersion = "0.23.1";
    internal const string ModelRelativePath = "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx";
    internal const string PreprocessRelativePath = "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";

    // Bump when the rewrite changes, so that stale cached graphs are not reused.
    private const int RewriteVersion = 2;

    internal static readonly OnnxGraphRewriter.Output[] Outputs = [new(Layer1, 64), new(Layer2, 128), new(Layer3, 256)];

    /// <summary>The package's ResNet18.onnx: the <see cref="ModelPathVariable"/> file, else the restored NuGet package.</summary>
    public static string LocateSourceModel() => Locate(ModelRelativePath, Environment.GetEnvironmentVariable(ModelPathVariable));

    /// <summary>The package's ResNetPreprocess.onnx (the reference for the preprocessing).</summary>
    internal static string LocatePreprocessModel() => Locate(PreprocessRelativePath, null);

    private static string Locate(string relative, string? overridePath)
    {
        if (!string.IsNullOrEmpty(overridePath))
        {
            if (!File.Exists(overridePath))
                throw new ModelException($"{ModelPathVariable} points at '{overridePath}', which does not exist.");
            return overridePath;
        }
        foreach (var root in PackageRoots())
        {
            string path = Path.Combine(root, relative);
            if (File.Exists(path))
                return path;
        }
        throw new ModelException(
            $"The ResNet-18 backbone was not found: restore the solution (dotnet restore) so that the NuGet package " +
            $"Microsoft.ML.DnnImageFeaturizer.ResNet18 {PackageVersion} is downloaded, or set {ModelPathVariable} to its ResNet18.onnx.");
    }

    private static IEnumerable<string> PackageRoots()
    {
        // The folder the build restored into (baked in by AnomalyEngine.csproj), then NuGet's defaults.
        var baked = typeof(ResNet18Graph).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ResNet18PackageRoot")?.Value;
        if (!string.IsNullOrEmpty(baked))
            yield return baked;
        var nugetPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(nugetPackages))
            yield return Path.Combine(nugetPackages, PackageId, PackageVersion);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        yield return Path.Combine(home, ".nuget", "packages", PackageId, PackageVersion);
    }

    /// <summary>The default cache folder: <see cref="CacheDirVariable"/>, else $XDG_CACHE_HOME/anomaly-engine, else ~/.cache/anomaly-engine.</summary>
    public static string DefaultCacheDirectory()
    {
        var env = Environment.GetEnvironmentVariable(CacheDirVariable);
        if (!string.IsNullOrEmpty(env))
            return env;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg))
            return Path.Combine(xdg, "anomaly-engine");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "anomaly-engine");
    }

    /// <summary>
    /// The rewritten graph (outputs layer 1-3, symbolic batch/height/width), made on first use and
    /// cached under <paramref name="cacheDirectory"/> keyed by the source file's SHA-256.
    /// </summary>
    public static string Prepare(string? sourceModel = null, string? cacheDirectory = null)
    {
        sourceModel ??= LocateSourceModel();
        cacheDirectory ??= DefaultCacheDirectory();
        byte[] source;
        try
        {
            source = File.ReadAllBytes(sourceModel);
        }
        catch (IOException e)
        {
            throw new ModelException($"Cannot read the backbone graph '{sourceModel}': {e.Message}", e);
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(source))[..16];
        string target = Path.Combine(cacheDirectory, $"resnet18-layers123-v{RewriteVersion}-{hash}.onnx");
        if (File.Exists(target))
            return target;

        byte[] rewritten = OnnxGraphRewriter.Rewrite(source, InputName, 3, Outputs);
        AtomicFile.Write(target, rewritten);
        return target;
    }
}
