using System.Text.Json;
using AnomalyEngine.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AnomalyEngine.Tests.Metrics;

/// <summary>Agreement with scikit-learn 1.2.1 and an independent AUPRO (tools/metrics_reference.py).</summary>
public class MetricsReferenceTests
{
    private const double RankTolerance = 1e-9, ProTolerance = 1e-6;

    public static TheoryData<string> RandomCases()
    {
        var data = new TheoryData<string>();
        using var doc = MetricInputs.Fixture("random.json");
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            data.Add(c.GetProperty("params").GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(RandomCases))]
    public void Random_inputs_with_ties_agree_with_scikit_learn(string name)
    {
        using var doc = MetricInputs.Fixture("random.json");
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("params").GetProperty("name").GetString() == name);
        var p = c.GetProperty("params");
        var expected = c.GetProperty("expected");
        if (c.GetProperty("kind").GetString() == "image")
        {
            var (scores, labels) = MetricInputs.ImageCase(p);
            AssertAgrees(expected, ImageMetrics.Compute(scores, labels));
            return;
        }
        var acc = new PixelMetricAccumulator();
        int w = p.GetProperty("width").GetInt32(), h = p.GetProperty("height").GetInt32();
        for (uint k = 0; k < p.GetProperty("images").GetUInt32(); k++)
        {
            var mask = MetricInputs.PixelMask(p, k);
            acc.Add(MetricInputs.PixelScores(p, k, mask), mask, w, h);
        }
        AssertAgrees(expected, acc.Compute());
        AssertAupro(expected, acc);
    }

    [Fact]
    public void Real_hazelnut_masks_with_synthetic_scores_agree_with_the_references()
    {
        string root = Path.Combine(MetricInputs.RepoRoot(), "..", "shared", "data", "hazelnut_toy", "hazelnut");
        if (!Directory.Exists(root)) return; // the shared data is absent on this machine
        using var doc = MetricInputs.Fixture("hazelnut.json");
        var acc = new PixelMetricAccumulator();
        var imageScores = new List<float>();
        var imageLabels = new List<bool>();
        int k = 0;
        foreach (var item in doc.RootElement.GetProperty("images").EnumerateArray())
        {
            string path = Path.Combine(root, item.GetProperty("path").GetString()!);
            byte[] mask;
            int w, h;
            if (item.GetProperty("kind").GetString() == "good")
            {
                var info = Image.Identify(path);
                (w, h) = (info.Width, info.Height);
                mask = new byte[w * h];
            }
            else
            {
                using var img = Image.Load<L8>(path);
                (w, h) = (img.Width, img.Height);
                mask = new byte[w * h];
                img.CopyPixelDataTo(mask);
            }
            var scores = MetricInputs.PositionScores(mask, w, h, k++);
            acc.Add(scores, mask, w, h);
            imageScores.Add(scores.Max());
            imageLabels.Add(mask.Any(v => v != 0));
        }
        var pixel = doc.RootElement.GetProperty("pixel");
        AssertAgrees(pixel, acc.Compute());
        AssertAupro(pixel, acc);
        AssertAgrees(doc.RootElement.GetProperty("image"), ImageMetrics.Compute(imageScores.ToArray(), imageLabels.ToArray()));
    }

    private static void AssertAupro(JsonElement expected, PixelMetricAccumulator acc)
    {
        Assert.Equal(expected.GetProperty("regions").GetInt64(), acc.Compute().Regions);
        foreach (var limit in expected.GetProperty("aupro").EnumerateObject())
        {
            var m = acc.Compute(new MetricOptions { ProFprLimit = double.Parse(limit.Name, System.Globalization.CultureInfo.InvariantCulture) });
            Assert.Equal(limit.Value.GetDouble(), m.Aupro.Value, ProTolerance);
        }
    }

    private static void AssertAgrees(JsonElement expected, MetricSet m)
    {
        Assert.Equal(expected.GetProperty("positives").GetInt64(), m.Positives);
        Assert.Equal(expected.GetProperty("negatives").GetInt64(), m.Negatives);
        Check(expected.GetProperty("auroc"), m.Auroc);
        Check(expected.GetProperty("ap"), m.AveragePrecision);
        Check(expected.GetProperty("auprTrapezoid"), m.AuprTrapezoid);
        Check(expected.GetProperty("f1Max"), m.F1Max);
        if (expected.GetProperty("f1Threshold").ValueKind == JsonValueKind.Number)
            Assert.Equal((float)expected.GetProperty("f1Threshold").GetDouble(), m.F1Threshold);
    }

    private static void Check(JsonElement expected, MetricValue actual)
    {
        if (expected.ValueKind == JsonValueKind.Null)
        {
            Assert.False(actual.IsDefined);
            return;
        }
        Assert.True(actual.IsDefined, actual.Reason);
        Assert.Equal(expected.GetDouble(), actual.Value, RankTolerance);
    }
}
