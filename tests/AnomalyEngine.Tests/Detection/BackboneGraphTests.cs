using AnomalyEngine.Detection.Backbone;

namespace AnomalyEngine.Tests.Detection;

public class BackboneGraphTests
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "ae-detect-tests-cache");

    [Fact]
    public void Rewritten_graph_has_symbolic_input_three_layer_outputs_and_no_layer4()
    {
        string path = ResNet18Graph.Prepare(cacheDirectory: Cache);
        byte[] bytes = File.ReadAllBytes(path);
        var graph = ProtoWire.Parse(ProtoWire.Parse(bytes).Single(f => f.Number == 7).Payload);

        var input = graph.Single(f => f.Number == 11);
        Assert.Equal(["batch", "3", "height", "width"], Dims(input.Payload));
        var outputs = graph.Where(f => f.Number == 12).ToList();
        Assert.Equal([ResNet18Graph.Layer1, ResNet18Graph.Layer2, ResNet18Graph.Layer3], outputs.Select(o => ProtoWire.Parse(o.Payload).First(f => f.Number == 1).AsString()));
        Assert.Equal(["batch", "256", "?", "?"], Dims(outputs[2].Payload));
        Assert.DoesNotContain(graph, f => f.Number == 13);

        // The source has 74 nodes; layer 4 (3 blocks here) and the pooling go, layers 1-3 stay:
        // stem (conv, bn, relu, pool) = 4, and every node up to ReLU347 in file order.
        var nodes = graph.Where(f => f.Number == 1).Select(f => ProtoWire.Parse(f.Payload).Where(g => g.Number == 2).Select(g => g.AsString()).ToList()).ToList();
        Assert.Contains(nodes, n => n.Contains(ResNet18Graph.Layer3));
        Assert.DoesNotContain(nodes, n => n.Contains("ReLU393_Output_0") || n.Contains("Pooling395_Output_0"));
        Assert.Equal(ResNet18Graph.Layer3, nodes[^1].Single());
        // Layer-4 weights are about 8.4M floats of the 11.2M; the rewritten file must be well under half the source.
        Assert.InRange(bytes.Length, 5_000_000, new FileInfo(ResNet18Graph.LocateSourceModel()).Length / 2);
    }

    [Fact]
    public void Prepare_reuses_the_cached_file()
    {
        string first = ResNet18Graph.Prepare(cacheDirectory: Cache);
        var stamp = File.GetLastWriteTimeUtc(first);
        string second = ResNet18Graph.Prepare(cacheDirectory: Cache);
        Assert.Equal(first, second);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(second));
    }

    [Fact]
    public void Rewrite_names_a_missing_tensor()
    {
        byte[] source = File.ReadAllBytes(ResNet18Graph.LocateSourceModel());
        var e = Assert.Throws<ModelException>(() => OnnxGraphRewriter.Rewrite(source, ResNet18Graph.InputName, 3, [new("NoSuchTensor", 1)]));
        Assert.Contains("NoSuchTensor", e.Message);
    }

    [Fact]
    public void Preprocessing_channel_means_match_the_package_mean_image()
    {
        var pre = ResNetPreprocessing.Load();
        // Per-channel means of MeanImage in ResNetPreprocess.onnx, computed with numpy (B, G, R).
        Assert.Equal(103.06, pre.ChannelMeans[0], 0.01);
        Assert.Equal(115.90, pre.ChannelMeans[1], 0.01);
        Assert.Equal(123.15, pre.ChannelMeans[2], 0.01);
    }

    [Fact]
    public void Preprocessing_reorders_to_bgr_scales_to_255_and_subtracts_channel_means_off_224()
    {
        var pre = ResNetPreprocessing.Load();
        const int h = 2, w = 3, plane = h * w;
        var rgb = new float[3 * plane];
        for (int i = 0; i < rgb.Length; i++) rgb[i] = i / (float)rgb.Length;
        var dst = new float[rgb.Length];
        pre.Apply(rgb, h, w, dst);
        for (int i = 0; i < plane; i++)
        {
            Assert.Equal(255f * rgb[2 * plane + i] - pre.ChannelMeans[0], dst[i], 4); // B from R's slot 2
            Assert.Equal(255f * rgb[plane + i] - pre.ChannelMeans[1], dst[plane + i], 4);
            Assert.Equal(255f * rgb[i] - pre.ChannelMeans[2], dst[2 * plane + i], 4);
        }
    }

    [Fact]
    public void Preprocessing_rejects_a_wrong_sized_image()
    {
        var pre = ResNetPreprocessing.Load();
        Assert.Throws<InvalidInputException>(() => pre.Apply(new float[10], 2, 2, new float[10]));
    }

    private static List<string> Dims(ReadOnlyMemory<byte> valueInfo)
    {
        var type = ProtoWire.Parse(valueInfo).Single(f => f.Number == 2).Payload;
        var tensor = ProtoWire.Parse(type).Single(f => f.Number == 1).Payload;
        var shape = ProtoWire.Parse(tensor).Single(f => f.Number == 2).Payload;
        return ProtoWire.Parse(shape).Where(f => f.Number == 1).Select(d =>
        {
            var parts = ProtoWire.Parse(d.Payload);
            if (parts.Any(p => p.Number == 2)) return parts.First(p => p.Number == 2).AsString();
            if (parts.Any(p => p.Number == 1)) return parts.First(p => p.Number == 1).Value.ToString();
            return "?";
        }).ToList();
    }
}
