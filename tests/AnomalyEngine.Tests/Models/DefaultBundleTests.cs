using System.Text.Json;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Models;

/// <summary>The embedded default bundle (models/default, made by tools/ldm) read and run by the engine.</summary>
public class DefaultBundleTests
{
    internal static string BundleDirectory
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
    public void Every_graph_passes_the_engines_name_type_and_shape_checks()
    {
        using var graphs = BundleGraphs.Open(ModelBundle.Open(BundleDirectory));
        Assert.NotNull(graphs.UnetGrad);
        Assert.Equal([-1L, 8L, 128L], graphs.UnetGrad!.Inputs.First(i => i.Name == "context").Shape);
        Assert.Equal([-1L, 3L, 64L, 64L], graphs.Encoder!.Inputs[0].Shape);
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

public class DefaultBundleEngineTests
{
    [Fact]
    public void Default_bundle_opens_through_the_engine_and_samples_a_finite_image_that_keeps_the_original_outside_the_mask()
    {
        var bundle = ModelBundle.Open(DefaultBundleTests.BundleDirectory);
        using var graphs = BundleGraphs.Open(bundle);
        Assert.NotNull(graphs.UnetGrad);
        using var device = AnomalyEngine.Compute.ComputeDevice.Create(AnomalyEngine.Compute.DevicePreference.Cpu);
        var sampler = new GuidedBlendSampler(graphs, device, new SamplerOptions { Steps = 3, Seed = 1 });
        int s = bundle.ImageSize;
        var image = Enumerable.Range(0, 3 * s * s).Select(i => MathF.Sin(i * 0.01f) * 0.5f).ToArray();
        var mask = new float[s * s];
        for (int y = 16; y < 40; y++) for (int x = 20; x < 44; x++) mask[y * s + x] = 1;
        var result = sampler.Sample([new SampleRequest(image, mask, bundle.Conditioning(bundle.InitialEmbedding), 0)])[0];
        Assert.All(result.Image, v => Assert.True(float.IsFinite(v)));
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < s * s; i++)
                if (mask[i] == 0) Assert.Equal(image[c * s * s + i], result.Image[c * s * s + i]);
    }
}
