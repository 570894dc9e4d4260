using AnomalyEngine.Compute;
using AnomalyEngine.Detection;
using AnomalyEngine.Detection.Backbone;
using AnomalyEngine.Imaging;
using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Detection;

public class ResNet18BackboneTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "ae-detect-tests-cache");

    private static ImageTensor RandomImage(int h, int w, ulong seed)
    {
        var d = new float[3 * h * w];
        for (int i = 0; i < d.Length; i++) d[i] = Philox.Uniform(seed, 0, 0, (uint)i);
        return new ImageTensor(d, 3, h, w);
    }

    [Fact]
    public void Preprocessing_matches_the_package_preprocessing_graph_at_224()
    {
        var image = RandomImage(224, 224, 1);
        var pre = ResNetPreprocessing.Load();
        var mine = new float[image.Data.Length];
        pre.Apply(image.Data, 224, 224, mine);

        using var session = GraphSession.Open(ResNet18Graph.LocatePreprocessModel());
        var input = image.Data.Select(v => v * 255f).ToArray();
        var reference = new float[mine.Length];
        session.Run([HostTensor.Float("OriginalInput", input, 1, 3, 224, 224)], [HostTensor.Float("PreprocessedInput", reference, 1, 3, 224, 224)]);
        for (int i = 0; i < mine.Length; i++)
            Assert.Equal(reference[i], mine[i], 3);
    }

    [Fact]
    public void Rewritten_graph_computes_what_the_original_computes()
    {
        // Rewriting with layer 3 and the original output kept must reproduce the original output
        // exactly, and its layer 3 must be what the backbone's graph returns.
        string source = ResNet18Graph.LocateSourceModel();
        string both = Path.Combine(Cache, $"resnet18-check-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(both, OnnxGraphRewriter.Rewrite(File.ReadAllBytes(source), ResNet18Graph.InputName, 3,
            [new(ResNet18Graph.Layer3, 256), new("Pooling395_Output_0", 512)]));
        try
        {
            var image = RandomImage(224, 224, 2);
            var input = new float[3 * 224 * 224];
            ResNetPreprocessing.Load().Apply(image.Data, 224, 224, input);

            var original = new float[512];
            using (var s = GraphSession.Open(source))
                s.Run([HostTensor.Float(ResNet18Graph.InputName, input, 1, 3, 224, 224)], [HostTensor.Float("Pooling395_Output_0", original, 1, 512, 1, 1)]);
            var pooled = new float[512];
            var layer3 = new float[256 * 14 * 14];
            using (var s = GraphSession.Open(both))
                s.Run([HostTensor.Float(ResNet18Graph.InputName, input, 1, 3, 224, 224)],
                      [HostTensor.Float(ResNet18Graph.Layer3, layer3, 1, 256, 14, 14), HostTensor.Float("Pooling395_Output_0", pooled, 1, 512, 1, 1)]);
            for (int i = 0; i < 512; i++)
                Assert.Equal(original[i], pooled[i], 4);
            Assert.True(original.Max() > 0.1f);

            using var backbone = ResNet18Backbone.Open(cacheDirectory: Cache);
            var f = backbone.Extract(image);
            Assert.Equal((256, 14, 14), (f.Layer3.Channels, f.Layer3.Height, f.Layer3.Width));
            for (int i = 0; i < layer3.Length; i++)
                Assert.Equal(layer3[i], f.Layer3.Data[i], 4);
        }
        finally
        {
            File.Delete(both);
        }
    }

    [Fact]
    public void Backbone_runs_any_batch_and_size_and_a_batch_equals_single_runs()
    {
        using var backbone = ResNet18Backbone.Open(cacheDirectory: Cache);
        var a = RandomImage(256, 320, 3);
        var b = new ImageTensor(RandomImage(256, 320, 4).Data.Take(256 * 320).ToArray(), 1, 256, 320); // grey
        var batch = backbone.ExtractLayers([a, b]);
        Assert.Equal((64, 64, 80), (batch[0][0].Channels, batch[0][0].Height, batch[0][0].Width));
        Assert.Equal((128, 32, 40), (batch[1][1].Channels, batch[1][1].Height, batch[1][1].Width));
        Assert.Equal((256, 16, 20), (batch[1][2].Channels, batch[1][2].Height, batch[1][2].Width));
        var single = backbone.Extract(b);
        for (int i = 0; i < single.Layer2.Data.Length; i += 7)
            Assert.Equal(single.Layer2.Data[i], batch[1][1].Data[i], 3);
        Assert.Throws<InvalidInputException>(() => backbone.Extract(RandomImage(250, 250, 5)));
    }
}
