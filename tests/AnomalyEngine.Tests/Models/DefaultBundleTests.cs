using System.Text.Json;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Models;

/// <summary>The embedded default bundle (models/default, made by tools/ldm) read and run by the engine.</summary>
public class DefaultBundleTests
{
    private static string BundleDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AnomalyEngine.sln")))
                dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("AnomalyEngine.sln not found above the test binaries"), "models", "default");
        }
    }

    [Fact]
    public void Default_bundle_opens_with_the_sizes_and_tokens_its_card_states()
    {
        var b = ModelBundle.Open(BundleDirectory);
        Assert.Equal((64, 4, 16), (b.ImageSize, b.LatentChannels, b.LatentSize));
        Assert.Equal((8, 128, 0), (b.Tokens, b.Width, b.PlaceholderSlot));
        Assert.True(b.HasAutoencoder && b.HasUnetGrad);
        Assert.Equal(["<uncond>", "<pad>", "defect"], b.VocabularyNames.Take(3));
        Assert.DoesNotContain("defect:crack", b.VocabularyNames);
        // The initial embedding is the generic "defect" token, which is also template row 0.
        Assert.Equal(b.Vocabulary.AsSpan(2 * b.Width, b.Width).ToArray(), b.InitialEmbedding);
        Assert.Equal(b.InitialEmbedding, b.Template.AsSpan(0, b.Width).ToArray());
    }

    [Fact]
    public void Every_graph_matches_torch_on_the_bundled_parity_cases()
    {
        var root = Path.Combine(BundleDirectory, "parity");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "cases.json")));
        int checkedCases = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            using var session = GraphSession.Open(Path.Combine(root, c.GetProperty("graph").GetString()!));
            var inputs = c.GetProperty("inputs").EnumerateArray().Select(i => Tensor(root, i, load: true)).ToArray();
            var expected = c.GetProperty("outputs").EnumerateArray().Select(o => Tensor(root, o, load: true)).ToArray();
            var outputs = c.GetProperty("outputs").EnumerateArray().Select(o => Tensor(root, o, load: false)).ToArray();
            session.Run(inputs.Select(t => t.Host).ToArray(), outputs.Select(t => t.Host).ToArray());
            for (int k = 0; k < outputs.Length; k++)
            {
                float[] want = expected[k].Floats!, got = outputs[k].Floats!;
                double maxAbs = 0, maxRef = 0;
                for (int i = 0; i < want.Length; i++)
                {
                    maxAbs = Math.Max(maxAbs, Math.Abs((double)got[i] - want[i]));
                    maxRef = Math.Max(maxRef, Math.Abs((double)want[i]));
                }
                Assert.True(maxAbs <= 1e-4 * maxRef, $"{c.GetProperty("name").GetString()}: max |ort - torch| = {maxAbs} vs max |torch| = {maxRef}");
            }
            checkedCases++;
        }
        Assert.True(checkedCases >= 4, "expected a parity case for each of the four graphs");
    }

    private sealed record Loaded(HostTensor Host, float[]? Floats);

    private static Loaded Tensor(string root, JsonElement e, bool load)
    {
        var name = e.GetProperty("name").GetString()!;
        var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var bytes = load ? File.ReadAllBytes(Path.Combine(root, e.GetProperty("file").GetString()!)) : null;
        if (e.GetProperty("dtype").GetString() == "int64")
        {
            var data = new long[count];
            if (bytes is not null) Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
            return new Loaded(HostTensor.Int64(name, data, shape), null);
        }
        var floats = new float[count];
        if (bytes is not null) Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return new Loaded(HostTensor.Float(name, floats, shape), floats);
    }
}
