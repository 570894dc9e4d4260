using System.Diagnostics;
using System.Security.Cryptography;
using AnomalyEngine.Compute;
using AnomalyEngine.Data;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;
using AnomalyEngine.Imaging;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Generation;

/// <summary>A normal image to generate on: its file and the stable name that keys its items (e.g. its path relative to the dataset).</summary>
public sealed record NormalImage(string Path, string Name);

/// <summary>A learned embedding and the file it came from.</summary>
public sealed record EmbeddingSource(AnomalyEmbedding Embedding, string Path);

/// <summary>Progress after each batch: items done in this run, items this run has to do, rate and time left.</summary>
public readonly record struct GenerateProgress(int Done, int Total, double ImagesPerSecond, TimeSpan Remaining);

/// <summary>What a run did: images written, items found finished by an earlier run, items for which no box fitted the region.</summary>
public sealed record GenerateSummary(int Written, int AlreadyDone, int WithoutBox, string Manifest);

/// <summary>
/// AnoGen stage 2 at scale: for each normal image and embedding, n boxes x m samples, sampled in
/// batches with guided, blended diffusion, pasted into the full-resolution original, written as an
/// MVTec-layout dataset with a manifest. Every item is keyed by a stable hash, so its output is the
/// same whatever the batch, shard or resume point.
/// </summary>
public sealed class AnomalyGenerator
{
    private readonly ModelBundle _bundle;
    private readonly DiffusionModel _model;
    private readonly ComputeDevice _device;
    private readonly GenerateOptions _options;
    private readonly GuidedBlendSampler _sampler;

    /// <summary>A generator over a bundle's graphs; kernels run on <paramref name="device"/>.</summary>
    public AnomalyGenerator(BundleGraphs graphs, ComputeDevice device, GenerateOptions options)
        : this(graphs.Bundle, graphs.Model(), device, options) { }

    internal AnomalyGenerator(ModelBundle bundle, DiffusionModel model, ComputeDevice device, GenerateOptions options)
    {
        options.Validate();
        _bundle = bundle;
        _model = model;
        _device = device;
        _options = options;
        _sampler = new GuidedBlendSampler(model, device, options.Sampler with { Seed = options.Seed, PasteBack = false });
    }

    /// <summary>The work items of this run's shard, in a fixed order.</summary>
    public IReadOnlyList<WorkItem> Plan(IReadOnlyList<NormalImage> sources, IReadOnlyList<EmbeddingSource> embeddings)
    {
        var items = new List<WorkItem>();
        foreach (var source in sources.OrderBy(s => s.Name, StringComparer.Ordinal))
            foreach (var e in embeddings.OrderBy(e => e.Embedding.Defect, StringComparer.Ordinal))
                for (int b = 0; b < _options.BoxesPerImage; b++)
                    for (int s = 0; s < _options.SamplesPerBox; s++)
                    {
                        var item = new WorkItem(source.Name, e.Embedding.Defect, b, s);
                        if (_options.Shard.Owns(item.Key)) items.Add(item);
                    }
        return items;
    }

    /// <summary>Generates every item of this shard not yet in the output's manifest; cancellation stops between batches.</summary>
    public GenerateSummary Run(IReadOnlyList<NormalImage> sources, IReadOnlyList<EmbeddingSource> embeddings, string outputDir,
        IProgress<GenerateProgress>? progress = null, CancellationToken cancel = default)
    {
        if (sources.Count == 0) throw new InvalidInputException("No normal images to generate on: check the input folder or dataset.");
        if (embeddings.Count == 0) throw new InvalidInputException("No embeddings given: learn one with `anomaly-engine learn`.");
        if (sources.Select(s => s.Name).Distinct().Count() != sources.Count)
            throw new InvalidInputException("Two normal images share a name; give each a distinct relative path.");
        var byDefect = new Dictionary<string, EmbeddingSource>();
        foreach (var e in embeddings)
        {
            if (e.Embedding.BundleId != _bundle.Id)
                throw new ModelException($"{e.Path} was learned with bundle \"{e.Embedding.BundleId}\"; this run uses \"{_bundle.Id}\". Learn it again with this bundle.");
            if (e.Embedding.Vector.Length != _bundle.Width)
                throw new ModelException($"{e.Path} has a {e.Embedding.Vector.Length}-wide vector; the bundle's conditioning is {_bundle.Width} wide.");
            if (!byDefect.TryAdd(e.Embedding.Defect, e))
                throw new InvalidInputException($"Two embeddings are both for \"{e.Embedding.Defect}\": give one per defect type.");
        }
        var sourceByName = sources.ToDictionary(s => s.Name);

        Directory.CreateDirectory(outputDir);
        string manifestPath = Path.Combine(outputDir, GenerationManifest.FileName(_options.Shard));
        var done = new HashSet<string>(StringComparer.Ordinal);
        if (_options.Resume)
        {
            GenerationManifest.DropUnfinishedLine(manifestPath);
            foreach (var entry in GenerationManifest.Read(manifestPath))
                if (File.Exists(Path.Combine(outputDir, entry.Image)) && File.Exists(Path.Combine(outputDir, entry.Mask)))
                    done.Add(entry.Key);
        }
        else if (File.Exists(manifestPath) && new FileInfo(manifestPath).Length > 0)
        {
            throw new InvalidOptionException($"{manifestPath} already lists generated images: pass --resume to continue that run, or choose an empty output folder.");
        }

        var plan = Plan(sources, embeddings);
        var todo = plan.Where(i => !done.Contains(i.Key.ToString("x16"))).ToList();
        int alreadyDone = plan.Count - todo.Count, written = 0, withoutBox = 0;
        var writer = new DatasetWriter(Path.Combine(outputDir, _options.Category));
        var embeddingHash = byDefect.ToDictionary(p => p.Key, p => Sha256(p.Value.Path));
        var cache = new SourceCache(_options);
        var clock = Stopwatch.StartNew();

        using (var manifest = GenerationManifest.Open(manifestPath))
        {
            // Upscaling, pasting and PNG encoding at the source's resolution cost as much as sampling:
            // a batch is composed and written on a worker while the next batch samples. Entries are still appended in item
            // order, each after its files are in place, and every write finishes before Run returns.
            Task pending = Task.CompletedTask;
            try
            {
            // Items without a box are skipped, and the batch is filled from the next items, so every
            // sampler call but the last gets a full batch (outputs do not depend on the batching).
            int next = 0;
            while (next < todo.Count)
            {
                cancel.ThrowIfCancellationRequested();
                var batch = new List<(WorkItem Item, SourceCache.Entry Source, DefectBox Box, Mask BoxMask)>();
                var requests = new List<SampleRequest>();
                while (next < todo.Count && requests.Count < _options.BatchSize)
                {
                    var item = todo[next++];
                    var source = cache.Get(sourceByName[item.SourceImage], _model.ImageSize);
                    var embedding = byDefect[item.Defect].Embedding;
                    var sizes = _options.BoxSizes ?? embedding.BoxSizes
                        ?? throw new InvalidOptionException($"{byDefect[item.Defect].Path} records no box sizes: give --box-size.");
                    var box = new BoxProposer(sizes).Propose(source.Allowed, source.Original.Height, source.Original.Width, _options.Seed, (uint)(item.BoxKey ^ (item.BoxKey >> 32)));
                    if (box is null) { withoutBox++; continue; }
                    var fullMask = BoxMask(box.Value, source.Original.Height, source.Original.Width);
                    var small = ImageResize.Resize(fullMask, _model.ImageSize, _model.ImageSize, MaskResampling.Nearest);
                    if (small.Area() == 0) small = ImageResize.Resize(fullMask, _model.ImageSize, _model.ImageSize, MaskResampling.Bilinear, threshold: 1e-6f);
                    batch.Add((item, source, box.Value, fullMask));
                    requests.Add(new SampleRequest(source.Resized, small.Data.Select(v => v != 0 ? 1f : 0f).ToArray(),
                        _bundle.Conditioning(embedding.Vector), (uint)(item.Key ^ (item.Key >> 32))));
                }
                if (requests.Count == 0) continue;
                // Decoding, resizing and the foreground of the next sources run beside the sampler
                // (the cache is touched by nothing else until the prefetch is awaited). Best effort: a
                // source that fails here fails again, with its typed error, when its item's turn comes.
                int from = next;
                var prefetch = Task.Run(() =>
                {
                    try
                    {
                        foreach (var item in todo.Skip(from).Take(_options.BatchSize))
                            cache.Get(sourceByName[item.SourceImage], _model.ImageSize);
                    }
                    catch (Exception)
                    {
                    }
                });
                IReadOnlyList<SampleResult> results;
                try
                {
                    results = _sampler.Sample(requests);
                }
                finally
                {
                    prefetch.GetAwaiter().GetResult();
                }
                pending.GetAwaiter().GetResult();
                int finished = next;
                pending = Task.Run(() =>
                {
                for (int k = 0; k < batch.Count; k++)
                {
                    var (item, source, box, boxMask) = batch[k];
                    var image = Compose(source.Original, results[k].Image, box);
                    var (imagePath, maskPath) = writer.WriteDefect(item.Defect, item.OutputStem, image, boxMask);
                    string? refinedPath = null;
                    if (_options.RefineThreshold is { } threshold)
                    {
                        var refined = Refine(source.Original, image, boxMask, threshold);
                        refinedPath = Path.Combine("ground_truth_refined", item.Defect, item.OutputStem + "_mask.png");
                        ImageCodec.WriteMask(Path.Combine(writer.CategoryDir, refinedPath), refined);
                        refinedPath = Path.Combine(_options.Category, refinedPath);
                    }
                    manifest.Append(new ManifestEntry
                    {
                        Key = item.Key.ToString("x16"),
                        Source = item.SourceImage,
                        Defect = item.Defect,
                        BoxIndex = item.Box,
                        Sample = item.Sample,
                        Box = [box.CenterX, box.CenterY, box.Width, box.Height, box.AngleDegrees],
                        Seed = _options.Seed,
                        Embedding = Path.GetFileName(byDefect[item.Defect].Path),
                        EmbeddingSha256 = embeddingHash[item.Defect],
                        Bundle = _bundle.Id,
                        Settings = Settings(),
                        Image = Path.Combine(_options.Category, imagePath),
                        Mask = Path.Combine(_options.Category, maskPath),
                        RefinedMask = refinedPath,
                    });
                    Interlocked.Increment(ref written);
                }
                double rate = written / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                progress?.Report(new GenerateProgress(finished, todo.Count, rate, TimeSpan.FromSeconds((todo.Count - finished) / Math.Max(rate, 1e-9))));
                });
            }
            }
            finally
            {
                // On success, cancellation or failure alike: no write is left running, and a
                // failed write surfaces here.
                pending.GetAwaiter().GetResult();
            }
        }
        if (_options.Shard.Count == 1)
            GenerationManifest.WriteSorted(manifestPath, GenerationManifest.Read(manifestPath));
        return new GenerateSummary(written, alreadyDone, withoutBox, manifestPath);
    }

    /// <summary>
    /// Merges the shard manifests of a folder (written by <c>--shard i/n</c> runs into one folder or
    /// copied together) into <c>manifest.jsonl</c>, sorted by key: the same file one whole run writes.
    /// </summary>
    public static string MergeShards(string outputDir)
    {
        var files = Directory.GetFiles(outputDir, "manifest.shard-*-of-*.jsonl");
        if (files.Length == 0) throw new InvalidInputException($"{outputDir} holds no shard manifests (manifest.shard-i-of-n.jsonl).");
        var entries = files.SelectMany(GenerationManifest.Read).ToList();
        var duplicate = entries.GroupBy(e => e.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidInputException($"Item {duplicate.Key} appears in two shard manifests: the shards were not of one split.");
        string path = Path.Combine(outputDir, "manifest.jsonl");
        GenerationManifest.WriteSorted(path, entries);
        return path;
    }

    private Dictionary<string, object> Settings() => new()
    {
        ["steps"] = _options.Sampler.Steps,
        ["scheduler"] = _options.Sampler.Scheduler.ToString().ToLowerInvariant(),
        ["eta"] = _options.Sampler.Eta,
        ["guidance"] = _options.Sampler.GuidanceScale,
        ["strength"] = _options.Sampler.Strength,
        ["paste_back"] = _options.PasteBack,
        ["feather"] = _options.Sampler.FeatherPixels,
        ["region"] = _options.Region.ToString().ToLowerInvariant(),
    };

    private static Mask BoxMask(DefectBox box, int height, int width)
    {
        var mask = new Mask(height, width);
        var raster = box.Rasterize(height, width);
        for (int i = 0; i < raster.Length; i++) mask.Data[i] = raster[i] != 0 ? (byte)1 : (byte)0;
        return mask;
    }

    // The decoded image [-1, 1] at the bundle's size → [0, 1] at the source's size; with paste-back,
    // the original outside the box and a linear ramp over the feather width just inside its edge.
    private ImageTensor Compose(ImageTensor original, float[] generated, DefectBox box)
    {
        int s = _model.ImageSize;
        var small = new ImageTensor(generated.Select(v => Math.Clamp((v + 1f) * 0.5f, 0f, 1f)).ToArray(), 3, s, s);
        var full = ImageResize.Bicubic(small, original.Height, original.Width);
        if (!_options.PasteBack) return full;
        double feather = _options.Sampler.FeatherPixels * (double)Math.Max(original.Height, original.Width) / s;
        int h = original.Height, w = original.Width, n = h * w;
        var output = (float[])original.Data.Clone();
        Parallel.For(0, h, y =>
        {
            for (int x = 0; x < w; x++)
            {
                double inside = box.InsideDistance(x, y);
                if (inside < 0) continue;
                // Distance to the nearest box edge, in source pixels: 0 at the edge, 1 from the feather width on.
                float weight = feather <= 0 ? 1f : (float)Math.Min(1.0, inside / feather);
                int i = y * w + x;
                for (int c = 0; c < 3; c++)
                    output[c * n + i] = original.Data[c * n + i] * (1f - weight) + full.Data[c * n + i] * weight;
            }
        });
        return new ImageTensor(output, 3, h, w);
    }

    private static Mask Refine(ImageTensor original, ImageTensor result, Mask box, float threshold)
    {
        int n = original.Height * original.Width;
        var mask = new Mask(original.Height, original.Width);
        for (int i = 0; i < n; i++)
        {
            if (box.Data[i] == 0) continue;
            float diff = 0;
            for (int c = 0; c < 3; c++) diff += MathF.Abs(result.Data[c * n + i] - original.Data[c * n + i]);
            if (diff / 3 > threshold) mask.Data[i] = 1;
        }
        return mask;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>Each source image decoded once: the original [0, 1], its bundle-size copy [-1, 1] and the allowed region.</summary>
    private sealed class SourceCache(GenerateOptions options)
    {
        private readonly Dictionary<string, Entry> _entries = new();
        private Mask? _template;

        public sealed record Entry(ImageTensor Original, float[] Resized, bool[]? Allowed);

        public Entry Get(NormalImage source, int size)
        {
            if (_entries.TryGetValue(source.Name, out var entry)) return entry;
            if (_entries.Count > 64) _entries.Clear(); // items come grouped by source: a small cache suffices
            var original = ImageCodec.ReadImage(source.Path, 3, PixelRange.ZeroToOne);
            var resized = ImageResize.Bicubic(original, size, size).Data.Select(v => v * 2f - 1f).ToArray();
            entry = new Entry(original, resized, Allowed(original));
            _entries[source.Name] = entry;
            return entry;
        }

        private bool[]? Allowed(ImageTensor image)
        {
            switch (options.Region)
            {
                case AllowedRegion.Whole:
                    return null;
                case AllowedRegion.Template:
                    _template ??= ImageCodec.ReadMask(options.RegionTemplate!);
                    var t = ImageResize.Resize(_template, image.Height, image.Width, MaskResampling.Nearest);
                    return t.Data.Select(v => v != 0).ToArray();
                default:
                    int n = image.Height * image.Width;
                    var grey = new byte[n];
                    for (int i = 0; i < n; i++)
                    {
                        float g = 0.299f * image.Data[i] + 0.587f * image.Data[n + i] + 0.114f * image.Data[2 * n + i];
                        grey[i] = (byte)Math.Clamp(MathF.Round(g * 255f), 0f, 255f);
                    }
                    return ForegroundMask.FromGrey(grey, image.Height, image.Width);
            }
        }
    }
}
