using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;
using AnomalyEngine.Generation;
using AnomalyEngine.Imaging;
using AnomalyEngine.Tests.Diffusion;

namespace AnomalyEngine.Tests.Generation;

public sealed class AnomalyGeneratorTests : IDisposable
{
    private readonly ComputeDevice _device = ComputeDevice.Create(DevicePreference.Cpu);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ae-gen-");
    private readonly ModelBundle _bundle = ModelBundle.Open(OracleBundle.Directory);

    public void Dispose()
    {
        _device.Dispose();
        _dir.Delete(true);
    }

    private string Sub(string name) => Directory.CreateDirectory(Path.Combine(_dir.FullName, name)).FullName;

    /// <summary>Three normal images of a bright disc on a dark background, of different sizes (not the bundle's).</summary>
    private List<NormalImage> Sources()
    {
        var dir = Sub("normals");
        var list = new List<NormalImage>();
        foreach (var (name, h, w) in new[] { ("a.png", 24, 24), ("b.png", 20, 26), ("c.png", 30, 22) })
        {
            var img = new ImageTensor(3, h, w);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    bool disc = (y - h / 2.0) * (y - h / 2.0) + (x - w / 2.0) * (x - w / 2.0) < 0.16 * h * w;
                    for (int c = 0; c < 3; c++) img.Data[(c * h + y) * w + x] = disc ? 0.7f + 0.05f * c + 0.002f * x : 0.1f + 0.003f * y;
                }
            string path = Path.Combine(dir, name);
            ImageCodec.WriteImage(path, img);
            list.Add(new NormalImage(path, name));
        }
        return list;
    }

    private List<EmbeddingSource> Embeddings()
    {
        var dir = Sub("embeddings");
        var list = new List<EmbeddingSource>();
        foreach (var (defect, value) in new[] { ("crack", 0.4f), ("hole", -0.3f) })
        {
            var e = new AnomalyEmbedding
            {
                BundleId = _bundle.Id, Defect = defect, Vector = Enumerable.Repeat(value, _bundle.Width).ToArray(), Support = [],
                BoxSizes = new BoxSizeRange(0.2, 0.35, 0.15, 0.3), Steps = 1, FinalLoss = 0, Gradient = "exact", Seed = 0,
            };
            string path = Path.Combine(dir, defect + ".embedding.json");
            e.Save(path);
            list.Add(new EmbeddingSource(e, path));
        }
        return list;
    }

    private AnomalyGenerator Generator(GenerateOptions options) =>
        new(_bundle, FakeModels.Latent(new GaussianOracle(FakeModels.Schedule, OracleBundle.Sigma)), _device, options);

    private static readonly SamplerOptions FewSteps = new() { Steps = 4, GuidanceScale = 3f };

    private static Dictionary<string, byte[]> Files(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith("manifest.shard", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    private static void AssertSameDataset(string expected, string actual)
    {
        var a = Files(expected);
        var b = Files(actual);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[name]), $"{name} differs");
    }

    [Fact]
    public void Pixels_outside_the_box_equal_the_original_and_masks_match_the_recorded_box()
    {
        var sources = Sources();
        var outDir = Sub("out");
        var summary = Generator(new GenerateOptions { Sampler = FewSteps, Seed = 5, Category = "disc", BatchSize = 5 }).Run(sources, Embeddings(), outDir);
        Assert.Equal(3 * 2 * 2 * 2, summary.Written + summary.WithoutBox);
        Assert.True(summary.Written >= 20);
        var entries = GenerationManifest.Read(summary.Manifest);
        Assert.Equal(summary.Written, entries.Count);
        int changedInside = 0;
        foreach (var e in entries)
        {
            var original = ImageCodec.ReadImage(sources.Single(s => s.Name == e.Source).Path);
            var generated = ImageCodec.ReadImage(Path.Combine(outDir, e.Image));
            var mask = ImageCodec.ReadMask(Path.Combine(outDir, e.Mask));
            var box = new DefectBox(e.Box[0], e.Box[1], e.Box[2], e.Box[3], e.Box[4]);
            int h = original.Height, w = original.Width, n = h * w;
            Assert.Equal((h, w), (generated.Height, generated.Width));
            for (int i = 0; i < n; i++)
            {
                bool inBox = box.Contains(i % w, i / w);
                Assert.Equal(inBox, mask.Data[i] != 0);
                for (int c = 0; c < 3; c++)
                {
                    if (!inBox) Assert.Equal(original.Data[c * n + i], generated.Data[c * n + i]);
                    else if (original.Data[c * n + i] != generated.Data[c * n + i]) changedInside++;
                }
            }
        }
        Assert.True(changedInside > 0, "generation changed nothing inside the boxes");
    }

    [Fact]
    public void Every_box_lies_three_quarters_in_the_foreground()
    {
        var sources = Sources();
        var outDir = Sub("out");
        var summary = Generator(new GenerateOptions { Sampler = FewSteps with { Steps = 1 }, Seed = 9 }).Run(sources, Embeddings(), outDir);
        foreach (var e in GenerationManifest.Read(summary.Manifest))
        {
            var img = ImageCodec.ReadImage(sources.Single(s => s.Name == e.Source).Path);
            int n = img.Height * img.Width;
            var grey = Enumerable.Range(0, n).Select(i => (byte)Math.Clamp(MathF.Round((0.299f * img.Data[i] + 0.587f * img.Data[n + i] + 0.114f * img.Data[2 * n + i]) * 255f), 0, 255)).ToArray();
            var fg = ForegroundMask.FromGrey(grey, img.Height, img.Width);
            var box = new DefectBox(e.Box[0], e.Box[1], e.Box[2], e.Box[3], e.Box[4]);
            Assert.True(BoxProposer.InsideFraction(box, fg, img.Height, img.Width) >= 0.75);
        }
    }

    /// <summary>Records the rows of every predictor call.</summary>
    private sealed class CountingPredictor(INoisePredictor inner) : INoisePredictor
    {
        public List<int> Rows { get; } = [];

        public void Predict(float[] latents, long[] timesteps, float[] contexts, float[] output, int rows)
        {
            Rows.Add(rows);
            inner.Predict(latents, timesteps, contexts, output, rows);
        }
    }

    [Fact]
    public void Items_without_a_box_do_not_leave_batches_short()
    {
        // "0.png" is uniform, so it has no foreground and its two items find no box; they come first.
        // Batch 3 over 8 items: without refilling the calls would carry 1, 3 and 2 requests; the
        // sampler must get two full batches of 3 instead.
        var sources = Sources();
        var blank = Path.Combine(Path.GetDirectoryName(sources[0].Path)!, "0.png");
        ImageCodec.WriteImage(blank, new ImageTensor(Enumerable.Repeat(0.4f, 3 * 20 * 20).ToArray(), 3, 20, 20));
        sources.Insert(0, new NormalImage(blank, "0.png"));
        var model = FakeModels.Latent(new GaussianOracle(FakeModels.Schedule, OracleBundle.Sigma));
        var counting = new CountingPredictor(model.Predictor);
        var options = new GenerateOptions { Sampler = FewSteps, Seed = 5, BatchSize = 3, BoxesPerImage = 1, SamplesPerBox = 1 };
        var summary = new AnomalyGenerator(_bundle, model with { Predictor = counting }, _device, options).Run(sources, Embeddings(), Sub("out"));
        Assert.Equal((6, 2), (summary.Written, summary.WithoutBox));
        // Each sampler call runs FewSteps.Steps predictor calls on its requests (twice the rows with guidance).
        Assert.Equal(2 * FewSteps.Steps, counting.Rows.Count);
        Assert.All(counting.Rows, r => Assert.Equal(counting.Rows[0], r));
        Assert.Equal(0, counting.Rows[0] % 3);
    }

    [Fact]
    public void An_unreadable_source_stops_the_run_with_a_typed_error_after_the_items_before_it()
    {
        // "b.png" is not a PNG: the run must fail with the image error (not a prefetch's), after
        // writing the items of "a.png", and a resume after the file is fixed must finish the set.
        var sources = Sources();
        var good = File.ReadAllBytes(sources[1].Path);
        File.WriteAllBytes(sources[1].Path, [1, 2, 3, 4, 5]);
        var outDir = Sub("out");
        var options = new GenerateOptions { Sampler = FewSteps, Seed = 5, BatchSize = 2, BoxesPerImage = 1, SamplesPerBox = 1 };
        var e = Assert.Throws<InvalidInputException>(() => Generator(options).Run(sources, Embeddings(), outDir));
        Assert.Contains("b.png", e.Message);
        var before = GenerationManifest.Read(Path.Combine(outDir, "manifest.jsonl"));
        Assert.Equal(["a.png", "a.png"], before.Select(m => m.Source));
        File.WriteAllBytes(sources[1].Path, good);
        var summary = Generator(options with { Resume = true }).Run(sources, Embeddings(), outDir);
        Assert.Equal(2, summary.AlreadyDone);
        Assert.Equal(6, summary.Written + summary.WithoutBox + summary.AlreadyDone);
    }

    [Fact]
    public void The_same_seed_gives_identical_bytes_whatever_the_batch_size()
    {
        var sources = Sources();
        var embeddings = Embeddings();
        var a = Sub("a");
        var b = Sub("b");
        Generator(new GenerateOptions { Sampler = FewSteps, Seed = 3, BatchSize = 8 }).Run(sources, embeddings, a);
        Generator(new GenerateOptions { Sampler = FewSteps, Seed = 3, BatchSize = 3 }).Run(sources, embeddings, b);
        AssertSameDataset(a, b);
    }

    [Fact]
    public void A_run_stopped_midway_and_resumed_equals_an_uninterrupted_run()
    {
        var sources = Sources();
        var embeddings = Embeddings();
        var whole = Sub("whole");
        Generator(new GenerateOptions { Sampler = FewSteps, Seed = 4, BatchSize = 4 }).Run(sources, embeddings, whole);

        var resumed = Sub("resumed");
        using var cancel = new CancellationTokenSource();
        var stopAfterTwoBatches = new SyncProgress<GenerateProgress>(p => { if (p.Done >= 8) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() =>
            Generator(new GenerateOptions { Sampler = FewSteps, Seed = 4, BatchSize = 4 }).Run(sources, embeddings, resumed, stopAfterTwoBatches, cancel.Token));
        // The stop lands between batches: after the batch that reported 8 items, or the one after it.
        int stopped = GenerationManifest.Read(Path.Combine(resumed, "manifest.jsonl")).Count;
        Assert.True(stopped is 8 or 12, $"{stopped} items before the stop");
        // A crash can leave a half-written manifest line: the resume must ignore it.
        File.AppendAllText(Path.Combine(resumed, "manifest.jsonl"), "{\"key\":\"00");
        Assert.Throws<InvalidOptionException>(() =>
            Generator(new GenerateOptions { Sampler = FewSteps, Seed = 4, BatchSize = 4 }).Run(sources, embeddings, resumed));
        var summary = Generator(new GenerateOptions { Sampler = FewSteps, Seed = 4, BatchSize = 4, Resume = true }).Run(sources, embeddings, resumed);
        Assert.Equal(stopped, summary.AlreadyDone);
        AssertSameDataset(whole, resumed);
    }

    [Fact]
    public void The_union_of_shards_equals_one_run()
    {
        var sources = Sources();
        var embeddings = Embeddings();
        var whole = Sub("whole");
        Generator(new GenerateOptions { Sampler = FewSteps, Seed = 6 }).Run(sources, embeddings, whole);
        var sharded = Sub("sharded");
        int total = 0;
        for (int i = 0; i < 3; i++)
            total += Generator(new GenerateOptions { Sampler = FewSteps, Seed = 6, Shard = new Shard(i, 3) }).Run(sources, embeddings, sharded).Written;
        AnomalyGenerator.MergeShards(sharded);
        Assert.Equal(GenerationManifest.Read(Path.Combine(whole, "manifest.jsonl")).Count, total);
        AssertSameDataset(whole, sharded);
    }

    [Fact]
    public void Embeddings_of_another_bundle_are_refused()
    {
        var e = Embeddings();
        var foreign = new EmbeddingSource(e[0].Embedding with { BundleId = "other" }, e[0].Path);
        Assert.Throws<ModelException>(() => Generator(new GenerateOptions()).Run(Sources(), [foreign], Sub("out")));
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
