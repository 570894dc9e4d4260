using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AnomalyEngine.Cli;
using AnomalyEngine.Metrics;
using AnomalyEngine.Metrics.Evaluation;
using AnomalyEngine.Reports;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Spectre.Console.Cli;

namespace AnomalyEngine.Tests.Metrics;

public sealed class EvaluationTests : IDisposable
{
    private const int W = 8, H = 6;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ae-eval-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, (float[] Scores, byte[] Mask)> _truth = [];

    public EvaluationTests()
    {
        // widget/test/{good: g0 g1, scratch: s0 s1, dent: d0}; maps as .npy, float .tiff and 16-bit .png.
        Add("good", "g0", mask: null, seed: 1, ".npy");
        Add("good", "g1", mask: null, seed: 2, ".tiff");
        Add("scratch", "s0", mask: (x, y) => x >= 2 && x <= 4 && y == 2, seed: 3, ".npy");
        Add("scratch", "s1", mask: (x, y) => (x == 1 && y == 1) || (x == 6 && y == 4), seed: 4, ".png");
        Add("dent", "d0", mask: (x, y) => x + y < 3, seed: 5, ".npy");
    }

    private string Data => Path.Combine(_root, "data");
    private string Maps => Path.Combine(_root, "maps");

    private void Add(string defect, string name, Func<int, int, bool>? mask, uint seed, string ext)
    {
        string dir = Path.Combine(Data, "widget", "test", defect);
        Directory.CreateDirectory(dir);
        using (var img = new Image<Rgb24>(W, H, new Rgb24(90, 120, 150))) img.SaveAsPng(Path.Combine(dir, name + ".png"));
        var m = new byte[W * H];
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) m[y * W + x] = mask?.Invoke(x, y) == true ? (byte)1 : (byte)0;
        if (mask is not null)
        {
            string gt = Path.Combine(Data, "widget", "ground_truth", defect);
            Directory.CreateDirectory(gt);
            using var mi = new Image<L8>(W, H);
            for (int i = 0; i < m.Length; i++) mi[i % W, i / W] = new L8(m[i] != 0 ? (byte)255 : (byte)0);
            mi.SaveAsPng(Path.Combine(gt, name + "_mask.png"));
        }
        // Scores on 8 levels (many ties), higher on the mask; 16-bit PNG levels are exact multiples of 1/65535.
        var s = new float[W * H];
        for (uint i = 0; i < s.Length; i++)
        {
            uint q = MetricInputs.Bits(seed, 0, 0, i).Hi % 8 + (m[i] != 0 ? 3u : 0u);
            s[i] = ext == ".png" ? (q * 5000) / 65535f : q / 11f;
        }
        string mapDir = Path.Combine(Maps, "widget", "test", defect);
        Directory.CreateDirectory(mapDir);
        string path = Path.Combine(mapDir, name + ext);
        if (ext == ".npy") File.WriteAllBytes(path, Npy(s, H, W));
        else if (ext == ".tiff") File.WriteAllBytes(path, FloatTiff(s, W, H));
        else
        {
            using var png = new Image<L16>(W, H);
            for (int i = 0; i < s.Length; i++) png[i % W, i / W] = new L16((ushort)Math.Round(s[i] * 65535));
            png.SaveAsPng(path);
        }
        _truth[$"{defect}/{name}"] = (s, m);
    }

    internal static byte[] Npy(float[] values, int h, int w)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({h}, {w}), }}";
        header = header.PadRight(118) + "\n"; // 10 + 118 = 128 bytes, as numpy aligns
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0, (byte)header.Length, 0]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (float v in values) bytes.AddRange(BitConverter.GetBytes(v));
        return [.. bytes];
    }

    /// <summary>Little-endian baseline TIFF: one strip of float32, tags 256 257 258 259 262 273 277 278 279 339.</summary>
    internal static byte[] FloatTiff(float[] values, int w, int h)
    {
        var tags = new (ushort Tag, ushort Type, uint Value)[]
        {
            (256, 4, (uint)w), (257, 4, (uint)h), (258, 3, 32), (259, 3, 1), (262, 3, 1),
            (273, 4, 0), (277, 3, 1), (278, 4, (uint)h), (279, 4, (uint)(values.Length * 4)), (339, 3, 3),
        };
        int ifdSize = 2 + tags.Length * 12 + 4;
        uint dataOffset = (uint)(8 + ifdSize);
        var b = new byte[dataOffset + values.Length * 4];
        b[0] = b[1] = (byte)'I'; b[2] = 42;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), (ushort)tags.Length);
        for (int t = 0; t < tags.Length; t++)
        {
            int o = 10 + 12 * t;
            var (tag, type, value) = tags[t];
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o), tag);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o + 2), type);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o + 4), 1);
            uint v = tag == 273 ? dataOffset : value;
            if (type == 3) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o + 8), (ushort)v);
            else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o + 8), v);
        }
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan((int)dataOffset + 4 * i), values[i]);
        return b;
    }

    private MetricSet Expected(params string[] keys)
    {
        var acc = new PixelMetricAccumulator();
        foreach (string k in keys) acc.Add(_truth[k].Scores, _truth[k].Mask, W, H);
        return acc.Compute();
    }

    [Fact]
    public void Category_and_defect_tables_equal_the_metrics_of_the_same_pixels()
    {
        var result = Evaluator.Run(new EvaluationRequest { DataRoot = Data, HeatMaps = Maps, Overlays = 1 });
        var c = Assert.Single(result.Categories);
        Assert.Equal("widget", c.Category);
        Assert.Equal(5, c.Images);
        var all = Expected("good/g0", "good/g1", "scratch/s0", "scratch/s1", "dent/d0");
        Assert.Equal(all.Auroc, c.Pixel!.Auroc);
        Assert.Equal(all.AveragePrecision, c.Pixel.AveragePrecision);
        Assert.Equal(all.Aupro, c.Pixel.Aupro);
        Assert.Equal(["dent", "scratch"], c.Defects.Select(d => d.Defect));
        // A defect type is scored against the category's good images.
        Assert.Equal(Expected("good/g0", "good/g1", "dent/d0").AveragePrecision, c.Defects[0].Pixel!.AveragePrecision);
        Assert.Equal(Expected("good/g0", "good/g1", "scratch/s0", "scratch/s1").Auroc, c.Defects[1].Pixel!.Auroc);
        Assert.Equal(3, c.Defects[1].Pixel!.Regions); // s1's two pixels are not neighbours
        // Image scores default to each map's maximum.
        var maxima = new[] { "good/g0", "good/g1", "scratch/s0", "scratch/s1", "dent/d0" }.Select(k => _truth[k].Scores.Max()).ToArray();
        Assert.Equal(ImageMetrics.Compute(maxima, [false, false, true, true, true]).Auroc, c.Image.Auroc);
        Assert.Single(c.Best);
        Assert.Single(c.Worst);
        Assert.True(c.Best[0].PixelAp >= c.Worst[0].PixelAp);
    }

    [Fact]
    public void A_score_csv_sets_image_scores_and_is_enough_without_maps()
    {
        string csv = Path.Combine(_root, "scores.csv");
        File.WriteAllText(csv, "path,score\nwidget/test/good/g0.png,0.2\ntest/good/g1.png,0.7\nwidget/test/scratch/s0.png,0.6\nscratch/s1,0.9\nwidget/test/dent/d0.png,0.1\n");
        var result = Evaluator.Run(new EvaluationRequest { DataRoot = Data, ImageScores = csv });
        var c = Assert.Single(result.Categories);
        Assert.Null(c.Pixel);
        // Positives 0.6, 0.9, 0.1 vs negatives 0.2, 0.7: pairs won 1+0+1+1+0+0 = 3 of 6.
        Assert.Equal(0.5, c.Image.Auroc.Value, 12);
        Assert.Empty(c.Best);
    }

    [Fact]
    public void A_missing_heat_map_is_named_in_the_error()
    {
        File.Delete(Path.Combine(Maps, "widget", "test", "dent", "d0.npy"));
        var e = Assert.Throws<InvalidInputException>(() => Evaluator.Run(new EvaluationRequest { DataRoot = Data, HeatMaps = Maps }));
        Assert.Contains("dent/d0", e.Message);
    }

    [Fact]
    public void Reports_are_self_contained_and_mark_undefined_values()
    {
        var result = Evaluator.Run(new EvaluationRequest { DataRoot = Data, HeatMaps = Maps, Overlays = 2 });
        string outDir = Path.Combine(_root, "report");
        var files = EvaluationReport.WriteAll(result, outDir);
        Assert.Equal(3, files.Count);
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp"));
        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("href=", html);
        Assert.Equal(3, html.Split("<svg").Length - 1); // ROC, PR, PRO
        Assert.Equal(3, html.Split("data:image/png;base64,").Length - 1); // 3 defective images: 2 best, the 1 left is worst (none shown twice)
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var cat = json.RootElement.GetProperty("categories")[0];
        Assert.Equal(JsonValueKind.Null, cat.GetProperty("image").GetProperty("aupro").ValueKind);
        Assert.Contains("pixel masks", cat.GetProperty("image").GetProperty("undefined").GetProperty("aupro").GetString());
        Assert.Equal(result.Categories[0].Pixel!.Auroc.Value, cat.GetProperty("pixel").GetProperty("auroc").GetDouble());
        string md = File.ReadAllText(Path.Combine(outDir, "metrics.md"));
        Assert.Contains("| widget | scratch | 2 |", md);
        Assert.Contains((100 * result.Categories[0].Pixel!.Auroc.Value).ToString("0.00", CultureInfo.InvariantCulture), md);
    }

    [Fact]
    public void Eval_verb_writes_the_reports_and_rejects_a_bad_layout_with_exit_code_2()
    {
        var app = new CommandApp();
        app.Configure(c => { c.PropagateExceptions(); Verbs.Register(c); });
        string outDir = Path.Combine(_root, "cli");
        Assert.Equal(0, CliRunner.Run(app, ["eval", "--data", Data, "--maps", Maps, "--out", outDir, "--device", "cpu"]));
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")));
        Assert.Equal(2, CliRunner.Run(app, ["eval", "--data", Data, "--maps", Maps, "--out", outDir, "--layout", "voc"]));
        Assert.Equal(3, CliRunner.Run(app, ["eval", "--data", Path.Combine(_root, "nowhere"), "--maps", Maps, "--out", outDir, "--device", "cpu"]));
    }

    [Fact]
    public void Heat_map_readers_keep_raw_float_values()
    {
        float[] v = [3.5f, -2f, 0.25f, 1e-8f, 100f, 0f];
        Assert.Equal(v, HeatMapReader.ReadTiff(FloatTiff(v, 3, 2), "t.tiff").Values);
        var npy = HeatMapReader.ReadNpy(Npy(v, 2, 3), "t.npy");
        Assert.Equal((3, 2), (npy.Width, npy.Height));
        Assert.Equal(v, npy.Values);
        var bad = Npy(v, 2, 3);
        Encoding.ASCII.GetBytes("True ").CopyTo(bad, Encoding.ASCII.GetString(bad).IndexOf("False", StringComparison.Ordinal));
        Assert.Throws<InvalidInputException>(() => HeatMapReader.ReadNpy(bad, "f.npy"));
    }

    [Fact]
    public void A_smaller_map_is_resized_bilinearly_to_the_mask()
    {
        var map = new FloatMap([0f, 1f, 2f, 3f], 2, 2);
        var big = HeatMapReader.Resize(map, 4, 4);
        // Half-pixel centres: output x=1 samples input x=0.25 -> 0.25; the corners clamp.
        Assert.Equal(0f, big.Values[0]);
        Assert.Equal(0.25f, big.Values[1], 6);
        Assert.Equal(3f, big.Values[15]);
        Assert.Equal(0.5f + 0.25f, big.Values[4 + 1], 6); // (x=0.25, y=0.25): 0.25 + 2 * 0.25
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
