using System.Diagnostics;
using AnomalyEngine.Detection;
using AnomalyEngine.Detection.Backbone;
using AnomalyEngine.Detection.Head;
using AnomalyEngine.Detection.PatchCore;
using AnomalyEngine.Detection.Synthesis;
using AnomalyEngine.Embedding;
using AnomalyEngine.Generation;
using AnomalyEngine.Imaging;
using AnomalyEngine.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

// Detector A (PatchCore-style) and detector B in three training mixtures on one MVTec-layout category.
// Usage: DetectionExperiment <category dir> [--height 256] [--width 256] [--train-limit N] [--test-stride K]
//        [--coreset 0.01] [--steps 200] [--batch 4] [--seed 0] [--warmup 50] [--only ABGM]
//        [--exclude-support <embeddings dir>] [--generated <generate output dir>]
// Arms: A = PatchCore-style; B = head, Perlin only (50% Perlin, 50% normal); G = head, generated only
// (50% generated, 50% normal); M = head, DRAEM mixture of ANOGEN.md (25% Perlin, 25% generated, 50% normal).
// --exclude-support drops every support image listed by the *.embedding.json files in the folder from
// the test split (before --test-stride), so that no arm is scored on an image the embeddings saw.
var opts = Args.Parse(args);
var root = opts.Path;
int h = opts.Int("--height", 256), w = opts.Int("--width", 256);
var sw = Stopwatch.StartNew();

var trainFiles = Directory.GetFiles(Path.Combine(root, "train", "good")).Order(StringComparer.Ordinal).ToList();
int trainLimit = opts.Int("--train-limit", trainFiles.Count);
if (trainFiles.Count > trainLimit)
    trainFiles = Enumerable.Range(0, trainLimit).Select(i => trainFiles[(int)((long)i * trainFiles.Count / trainLimit)]).ToList();
var test = new List<(string File, string? Mask)>();
foreach (var dir in Directory.GetDirectories(Path.Combine(root, "test")).Order(StringComparer.Ordinal))
{
    string type = Path.GetFileName(dir);
    foreach (var f in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        test.Add((f, type == "good" ? null : Path.Combine(root, "ground_truth", type, Path.GetFileNameWithoutExtension(f) + "_mask.png")));
}
var support = new HashSet<string>(StringComparer.Ordinal);
string? supportDir = opts.Str("--exclude-support", "") is { Length: > 0 } sd ? sd : null;
if (supportDir is not null)
    foreach (var file in Directory.GetFiles(supportDir, "*.embedding.json").Order(StringComparer.Ordinal))
        foreach (var s in AnomalyEmbedding.Load(file).Support)
            support.Add(Path.GetFullPath(s.Image));
int before = test.Count;
test = test.Where(t => !support.Contains(Path.GetFullPath(t.File))).ToList();
if (supportDir is not null && before - test.Count != support.Count)
    throw new InvalidOperationException($"{support.Count} support images are listed in {supportDir} but {before - test.Count} of them are in this test split: wrong category?");
int stride = opts.Int("--test-stride", 1);
test = test.Where((_, i) => i % stride == 0).ToList();

var train = trainFiles.Select(f => Load(f, h, w)).ToList();
var testImages = test.Select(t => Load(t.File, h, w)).ToList();
var testMasks = test.Select(t => t.Mask is null ? new byte[h * w] : LoadMask(t.Mask, h, w)).ToList();
Console.WriteLine($"{Path.GetFileName(root)}: {train.Count} train, {test.Count} test ({test.Count(t => t.Mask != null)} anomalous, {support.Count} support images removed) at {w}x{h}; loaded in {sw.Elapsed.TotalSeconds:F1} s");

// Generated anomalies (stage 2): every manifest line's image and box mask, resized like the test images.
var generated = new List<GeneratedAnomaly>();
if (opts.Str("--generated", "") is { Length: > 0 } genDir)
{
    string merged = Path.Combine(genDir, "manifest.jsonl");
    var manifests = File.Exists(merged) ? [merged] : Directory.GetFiles(genDir, "manifest*.jsonl");
    foreach (var entry in manifests.Order(StringComparer.Ordinal).SelectMany(GenerationManifest.Read))
    {
        var m = LoadMask(Path.Combine(genDir, entry.Mask), h, w);
        generated.Add(new GeneratedAnomaly(Load(Path.Combine(genDir, entry.Image), h, w), m.Select(v => (float)v).ToArray()));
    }
    Console.WriteLine($"{generated.Count} generated anomalies from {genDir}");
}

using var backbone = ResNet18Backbone.Open();
ulong seed = (ulong)opts.Int("--seed", 0);

string only = opts.Str("--only", "AB");
// Detector A.
if (only.Contains('A'))
{
sw.Restart();
using var a = PatchCoreDetector.Fit(backbone, train, new PatchCoreOptions { CoresetFraction = opts.Float("--coreset", 0.01f), Seed = seed });
double fitA = sw.Elapsed.TotalSeconds;
sw.Restart();
var mapsA = testImages.Select(a.Score).ToList();
double inferA = sw.Elapsed.TotalSeconds;
Report("A (PatchCore-style)", mapsA, $"fit {fitA:F1} s ({train.Count / fitA:F1} img/s, bank {a.BankSize}); inference {test.Count / inferA:F1} img/s");
}
if (only.Contains('B')) TrainB("B (Perlin only)", 0.5f, 0f);
if (only.Contains('G')) TrainB("B (generated only)", 0f, 0.5f);
if (only.Contains('M')) TrainB("B (Perlin + generated)", 0.25f, 0.25f);

// Detector B with the given Perlin and generated shares (the rest of each batch is normal images).
void TrainB(string name, float perlin, float gen)
{
    sw.Restart();
    var options = new HeadTrainingOptions
    {
        Steps = opts.Int("--steps", 200), BatchSize = opts.Int("--batch", 4), PerlinFraction = perlin, GeneratedFraction = gen,
        AdaptorDim = opts.Int("--adaptor", 128), HiddenDim = opts.Int("--hidden", 64), WarmupSteps = opts.Int("--warmup", 50), Seed = seed,
    };
    double lastLoss = 0;
    var b = HeadDetector.Train(backbone, train, gen > 0 ? generated : [], new SurfaceTextureSource(), options, new Progress(p =>
    {
        lastLoss = p.Loss;
        if (p.Step % 50 == 0) Console.WriteLine($"  {name} step {p.Step}/{p.Steps} loss {p.Loss:F5}");
    }));
    double fitB = sw.Elapsed.TotalSeconds;
    sw.Restart();
    var mapsB = testImages.Select(b.Score).ToList();
    double inferB = sw.Elapsed.TotalSeconds;
    Report(name, mapsB, $"train {options.Steps} steps x {options.BatchSize} in {fitB:F1} s ({options.Steps * options.BatchSize / fitB:F1} img/s), last loss {lastLoss:F5}; inference {test.Count / inferB:F1} img/s");
}

void Report(string name, List<AnomalyMap> maps, string timing)
{
    var image = ImageMetrics.Compute(maps.Select(m => m.Score).ToArray(), test.Select(t => t.Mask != null).ToArray());
    var pixels = new PixelMetricAccumulator(maps.Count * h * w);
    for (int i = 0; i < maps.Count; i++)
        pixels.Add(maps[i].Pixels, testMasks[i], w, h);
    var pixel = pixels.Compute();
    Console.WriteLine($"| {Path.GetFileName(root)} | {name} | {image.Auroc.Value:F4} | {image.AveragePrecision.Value:F4} | {pixel.Auroc.Value:F4} | {pixel.AveragePrecision.Value:F4} | {pixel.Aupro.Value:F4} | {timing} |");
}

static ImageTensor Load(string path, int h, int w)
{
    using var img = Image.Load<Rgb24>(path);
    img.Mutate(x => x.Resize(w, h, KnownResamplers.Triangle));
    var data = new float[3 * h * w];
    img.ProcessPixelRows(acc =>
    {
        for (int y = 0; y < h; y++)
        {
            var row = acc.GetRowSpan(y);
            for (int x = 0; x < w; x++)
            {
                data[y * w + x] = row[x].R / 255f;
                data[(h + y) * w + x] = row[x].G / 255f;
                data[(2 * h + y) * w + x] = row[x].B / 255f;
            }
        }
    });
    return new ImageTensor(data, 3, h, w);
}

static byte[] LoadMask(string path, int h, int w)
{
    using var img = Image.Load<L8>(path);
    img.Mutate(x => x.Resize(w, h, KnownResamplers.NearestNeighbor));
    var m = new byte[h * w];
    img.ProcessPixelRows(acc =>
    {
        for (int y = 0; y < h; y++)
        {
            var row = acc.GetRowSpan(y);
            for (int x = 0; x < w; x++) m[y * w + x] = row[x].PackedValue >= 128 ? (byte)1 : (byte)0;
        }
    });
    return m;
}

sealed class Progress(Action<HeadTrainingProgress> report) : IProgress<HeadTrainingProgress>
{
    public void Report(HeadTrainingProgress value) => report(value);
}

sealed class Args
{
    private readonly Dictionary<string, string> _named = new();
    public string Path { get; private set; } = "";

    public static Args Parse(string[] args)
    {
        var a = new Args();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--") && i + 1 < args.Length) a._named[args[i]] = args[++i];
            else a.Path = args[i];
        }
        if (a.Path.Length == 0 || !Directory.Exists(a.Path))
            throw new ArgumentException("usage: DetectionExperiment <category dir with train/ test/ ground_truth/> [--height H --width W ...]");
        return a;
    }

    public string Str(string key, string fallback) => _named.TryGetValue(key, out var v) ? v : fallback;
    public int Int(string key, int fallback) => _named.TryGetValue(key, out var v) ? int.Parse(v) : fallback;
    public float Float(string key, float fallback) => _named.TryGetValue(key, out var v) ? float.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

