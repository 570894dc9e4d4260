namespace AnomalyEngine.Metrics;

/// <summary>
/// Collects anomaly maps and their ground-truth masks image by image, then computes pixel-level
/// AUROC, AP, trapezoidal AUPR, AUPRO and F1-max over all pixels pooled (the MVTec protocol).
/// Each pixel is stored once, as 8 bytes (its order-preserving score key and its region), and
/// sorted in place.
/// </summary>
public sealed class PixelMetricAccumulator
{
    private ulong[] _entries;
    private int _count;
    private long _positives;
    private readonly List<double> _regionWeights = [];
    private int[] _labels = [];

    /// <summary>Creates an accumulator; <paramref name="expectedPixels"/> reserves room to avoid regrowth.</summary>
    public PixelMetricAccumulator(int expectedPixels = 0)
    {
        if (expectedPixels < 0)
            throw new InvalidOptionException($"expected pixel count must be >= 0, got {expectedPixels}.");
        _entries = new ulong[expectedPixels];
    }

    /// <summary>Number of pixels added so far.</summary>
    public long PixelCount => _count;

    /// <summary>Number of images added so far.</summary>
    public int ImageCount { get; private set; }

    /// <summary>
    /// Adds one image: its anomaly map (row-major, higher = more anomalous) and its mask of the
    /// same size (non-zero = anomalous). Regions are the mask's 8-connected components.
    /// </summary>
    public void Add(ReadOnlySpan<float> scores, ReadOnlySpan<byte> mask, int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new InvalidInputException($"image size must be positive, got {width}x{height}.");
        long n = (long)width * height;
        if (scores.Length != n || mask.Length != n)
            throw new InvalidInputException($"anomaly map ({scores.Length} values) and mask ({mask.Length} values) must both hold {width}x{height} = {n} pixels: resize the map to the mask's size.");
        if (_count + n > Array.MaxLength)
            throw new InvalidInputException($"more than {Array.MaxLength} pixels in one evaluation: evaluate per category or at a lower resolution.");
        ScoreKey.EnsureFinite(scores, $"anomaly map {ImageCount}");

        if (_labels.Length < n) _labels = new int[n];
        var labels = _labels.AsSpan(0, (int)n);
        var sizes = RegionLabeler.Label(mask, width, height, labels);
        if ((long)_regionWeights.Count + sizes.Count >= uint.MaxValue)
            throw new InvalidInputException("more than 4 billion anomalous regions: evaluate per category.");
        uint firstRegion = (uint)_regionWeights.Count;
        foreach (int size in sizes) _regionWeights.Add(1.0 / size);

        EnsureCapacity(_count + (int)n);
        var dst = _entries.AsSpan(_count, (int)n);
        long positives = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            int label = labels[i];
            // Payload: 0 for a normal pixel, 1 + global region index for an anomalous one.
            uint payload = label == 0 ? 0u : firstRegion + (uint)label;
            positives += label == 0 ? 0 : 1;
            dst[i] = ((ulong)ScoreKey.FromScore(scores[i]) << 32) | payload;
        }
        _count += (int)n;
        _positives += positives;
        ImageCount++;
    }

    /// <summary>Computes every pixel-level metric over the pixels added so far (sorts them in place; more may be added afterwards).</summary>
    public MetricSet Compute(MetricOptions? options = null)
    {
        options ??= new MetricOptions();
        MetricBackend.Sort(_entries, _count, options.Device);
        return Sweep(options);
    }

    /// <summary>Forces the ILGPU sort on any accelerator (tests run it on ILGPU's CPU accelerator).</summary>
    internal MetricSet ComputeWith(ILGPU.Runtime.Accelerator accelerator, MetricOptions? options = null)
    {
        CudaKeySort.Sort(accelerator, _entries, _count);
        return Sweep(options ?? new MetricOptions());
    }

    private MetricSet Sweep(MetricOptions options) =>
        RankedSweep.Run(_entries.AsSpan(0, _count), _positives, _count - _positives, [.. _regionWeights], options);

    private void EnsureCapacity(int needed)
    {
        if (needed <= _entries.Length) return;
        long grown = Math.Max(needed, Math.Min(Array.MaxLength, (long)_entries.Length * 3 / 2 + 4096));
        Array.Resize(ref _entries, (int)grown);
    }
}
