using AnomalyEngine.Compute;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Detection.PatchCore;

/// <summary>Settings of the normal-only baseline (detector A).</summary>
public sealed record PatchCoreOptions
{
    /// <summary>Fraction of all training patch features kept in the memory bank (PatchCore: 0.01-0.1).</summary>
    public float CoresetFraction { get; init; } = 0.1f;

    /// <summary>Dimension of the random projection used only for the coreset's distances (PatchCore: 128; 0 = none).</summary>
    public int CoresetProjectionDim { get; init; } = 128;

    /// <summary>Dimension the stored features are randomly projected to (0 = keep all 384 = 128 + 256).</summary>
    public int FeatureProjectionDim { get; init; }

    /// <summary>Number of nearest bank features averaged into a location's score (1 = PatchCore).</summary>
    public int Neighbours { get; init; } = 1;

    /// <summary>Gaussian smoothing of the image-sized map, in pixels (PatchCore: 4; 0 = none).</summary>
    public float SmoothingSigma { get; init; } = 4f;

    /// <summary>Seed of the coreset start and the random projections.</summary>
    public ulong Seed { get; init; }
}

/// <summary>
/// Detector A: PatchCore-style (Roth et al., CVPR 2022) memory bank of locally aggregated layer-2/3
/// features of normal images, subsampled by a greedy coreset; a location's score is its distance to
/// the nearest bank features; the map is upsampled and smoothed, the image score is its maximum.
/// </summary>
public sealed class PatchCoreDetector : IAnomalyDetector, IDisposable
{
    internal const string Kind = "patchcore";

    private readonly IBackbone _backbone;
    private readonly IPatchSearch _search;
    private readonly float[]? _projection;

    private PatchCoreDetector(IBackbone backbone, IPatchSearch search, PatchCoreOptions options, float[] bank, int dim, float[]? projection)
    {
        _backbone = backbone;
        _search = search;
        Options = options;
        Bank = bank;
        FeatureDim = dim;
        _projection = projection;
    }

    /// <summary>The settings it was fitted with.</summary>
    public PatchCoreOptions Options { get; }

    /// <summary>Number of features in the memory bank.</summary>
    public int BankSize => Bank.Length / FeatureDim;

    internal float[] Bank { get; }

    internal int FeatureDim { get; }

    /// <summary>
    /// Builds the memory bank from <paramref name="normals"/>; distances run on <paramref name="device"/>
    /// when given (ILGPU kernels), else in managed code.
    /// </summary>
    public static PatchCoreDetector Fit(IBackbone backbone, IEnumerable<ImageTensor> normals, PatchCoreOptions? options = null, ComputeDevice? device = null)
    {
        options ??= new PatchCoreOptions();
        if (options.CoresetFraction is <= 0 or > 1 || float.IsNaN(options.CoresetFraction))
            throw new InvalidOptionException($"The coreset fraction must be in (0, 1], not {options.CoresetFraction}.");
        if (options.Neighbours < 1 || (device is not null && options.Neighbours > IlgpuPatchSearch.MaxNeighbours))
            throw new InvalidOptionException($"The number of neighbours must be 1..{IlgpuPatchSearch.MaxNeighbours}, not {options.Neighbours}.");
        IPatchSearch search = device is null ? new ManagedPatchSearch() : new IlgpuPatchSearch(device);

        var all = new List<float[]>();
        int dim = 0, rawDimFirst = 0;
        float[]? projection = null;
        foreach (var image in normals)
        {
            DetectionInput.Validate(image);
            var f = backbone.Extract(image);
            var features = PatchFeatures.Assemble(f);
            int rawDim = f.Layer2.Channels + f.Layer3.Channels;
            if (rawDimFirst == 0)
                rawDimFirst = rawDim;
            else if (rawDim != rawDimFirst)
                throw new InvalidInputException($"The backbone gave {rawDim} feature channels for one image and {rawDimFirst} for another.");
            if (dim == 0)
            {
                dim = rawDim;
                if (options.FeatureProjectionDim > 0 && options.FeatureProjectionDim < rawDim)
                {
                    projection = PatchFeatures.ProjectionMatrix(rawDim, options.FeatureProjectionDim, options.Seed, 0);
                    dim = options.FeatureProjectionDim;
                }
            }
            all.Add(projection is null ? features : PatchFeatures.Project(features, features.Length / rawDim, rawDim, projection, dim));
        }
        if (all.Count == 0)
            throw new InvalidInputException("PatchCore needs at least one normal training image.");
        var stacked = all.SelectMany(a => a).ToArray();
        int count = stacked.Length / dim;
        int size = Math.Max(1, (int)Math.Round(count * (double)options.CoresetFraction));
        var chosen = Coreset.Greedy(stacked, count, dim, size, options.CoresetProjectionDim, options.Seed, search);
        var bank = new float[chosen.Length * dim];
        for (int i = 0; i < chosen.Length; i++)
            stacked.AsSpan(chosen[i] * dim, dim).CopyTo(bank.AsSpan(i * dim, dim));
        return new PatchCoreDetector(backbone, search, options, bank, dim, projection);
    }

    /// <summary>The anomaly map of <paramref name="image"/> at its own size and its score (the map's maximum).</summary>
    public AnomalyMap Score(ImageTensor image)
    {
        DetectionInput.Validate(image);
        var f = _backbone.Extract(image);
        int rawDim = f.Layer2.Channels + f.Layer3.Channels;
        var features = PatchFeatures.Assemble(f);
        int n = f.Layer2.Height * f.Layer2.Width;
        if (_projection is not null)
            features = PatchFeatures.Project(features, n, rawDim, _projection, FeatureDim);
        else if (rawDim != FeatureDim)
            throw new InvalidInputException($"The backbone gave {rawDim} feature channels; the memory bank holds {FeatureDim}.");
        var grid = new float[n];
        _search.KNearest(features, n, Bank, BankSize, FeatureDim, Options.Neighbours, grid);
        var map = AnomalyMapSmoothing.ToImage(grid, f.Layer2.Height, f.Layer2.Width, image.Height, image.Width, Options.SmoothingSigma);
        return new AnomalyMap(map, image.Height, image.Width, map.Max());
    }

    /// <inheritdoc />
    public void Save(string folder)
    {
        var tensors = new List<(string Name, float[] Values, int[] Shape)> { ("bank", Bank, [BankSize, FeatureDim]) };
        if (_projection is not null)
            tensors.Add(("projection", _projection, [_projection.Length / FeatureDim, FeatureDim]));
        var settings = new System.Text.Json.Nodes.JsonObject
        {
            ["featureDim"] = FeatureDim,
            ["bankSize"] = BankSize,
            ["rawFeatureDim"] = _projection is null ? FeatureDim : _projection.Length / FeatureDim,
            ["neighbours"] = Options.Neighbours,
            ["smoothingSigma"] = Options.SmoothingSigma,
            ["coresetFraction"] = Options.CoresetFraction,
            ["seed"] = Options.Seed,
            ["imageScore"] = "max",
        };
        DetectorBundle.Save(folder, Kind, settings, tensors);
    }

    /// <summary>Loads a bundle written by <see cref="Save"/>; distances run on <paramref name="device"/> when given.</summary>
    public static PatchCoreDetector Load(string folder, IBackbone backbone, ComputeDevice? device = null)
    {
        var (root, kind) = DetectorBundle.ReadManifest(folder);
        if (kind != Kind)
            throw new ModelException($"The detector bundle is of kind '{kind}', not '{Kind}'.");
        return Load(folder, root, backbone, device);
    }

    internal static PatchCoreDetector Load(string folder, System.Text.Json.Nodes.JsonNode root, IBackbone backbone, ComputeDevice? device)
    {
        int dim = DetectorBundle.PositiveInt(root, "featureDim"), size = DetectorBundle.PositiveInt(root, "bankSize");
        int raw = DetectorBundle.PositiveInt(root, "rawFeatureDim");
        var bank = new float[(long)size * dim];
        var tensors = new Dictionary<string, float[]> { ["bank"] = bank };
        float[]? projection = raw != dim ? new float[raw * dim] : null;
        if (projection is not null)
            tensors["projection"] = projection;
        DetectorBundle.ReadTensors(folder, root, tensors);
        var options = new PatchCoreOptions
        {
            Neighbours = DetectorBundle.PositiveInt(root, "neighbours"),
            SmoothingSigma = (float?)root["smoothingSigma"] ?? 4f,
            CoresetFraction = (float?)root["coresetFraction"] ?? 0.1f,
            Seed = (ulong?)root["seed"] ?? 0,
        };
        IPatchSearch search = device is null ? new ManagedPatchSearch() : new IlgpuPatchSearch(device);
        return new PatchCoreDetector(backbone, search, options, bank, dim, projection);
    }

    /// <inheritdoc />
    public void Dispose() => (_search as IDisposable)?.Dispose();
}
