using AnomalyEngine.Compute;
using AnomalyEngine.Imaging;
using AnomalyEngine.Native;

namespace AnomalyEngine.Detection.Backbone;

/// <summary>
/// The frozen ImageNet ResNet-18 (<see cref="ResNet18Graph"/>) run through a <see cref="GraphSession"/>:
/// images → <see cref="ResNetPreprocessing"/> → layer 1-3 feature maps.
/// </summary>
public sealed class ResNet18Backbone : IBackbone, IDisposable
{
    /// <summary>Image sides must be multiples of this: the stride-2 blocks' two branches (3x3 with pads [1,0], 1x1) agree only on even sizes.</summary>
    public const int SizeMultiple = 16;

    private readonly GraphSession _session;
    private readonly ResNetPreprocessing _preprocessing;

    private ResNet18Backbone(GraphSession session, ResNetPreprocessing preprocessing)
    {
        _session = session;
        _preprocessing = preprocessing;
    }

    /// <summary>Prepares (first use: rewrites and caches) the graph and opens it.</summary>
    public static ResNet18Backbone Open(GraphSessionOptions? options = null, ComputeDevice? device = null, string? cacheDirectory = null)
    {
        string graph = ResNet18Graph.Prepare(cacheDirectory: cacheDirectory);
        var preprocessing = ResNetPreprocessing.Load();
        return new ResNet18Backbone(GraphSession.Open(graph, options, device), preprocessing);
    }

    /// <summary>The graph session (backend, IO description).</summary>
    public GraphSession Session => _session;

    /// <inheritdoc />
    public BackboneFeatures Extract(ImageTensor image)
    {
        var all = ExtractLayers([image]);
        return new BackboneFeatures(all[0][1], all[0][2]);
    }

    /// <summary>Layers 1, 2 and 3 of each image of one batch (all images the same size, sides multiples of <see cref="SizeMultiple"/>).</summary>
    public FeatureMap[][] ExtractLayers(IReadOnlyList<ImageTensor> images)
    {
        if (images.Count == 0)
            return [];
        int h = images[0].Height, w = images[0].Width, n = images.Count;
        if (h % SizeMultiple != 0 || w % SizeMultiple != 0)
            throw new InvalidInputException($"The ResNet-18 backbone needs image sides that are multiples of {SizeMultiple}; got {w}x{h}: resize first (e.g. to 256x256).");
        int plane = h * w;
        var input = new float[n * 3 * plane];
        for (int i = 0; i < n; i++)
        {
            if (images[i].Height != h || images[i].Width != w)
                throw new InvalidInputException($"All images of a batch must have one size: {w}x{h} and {images[i].Width}x{images[i].Height}.");
            _preprocessing.Apply(DetectionInput.ToRgb(images[i]), h, w, input.AsSpan(i * 3 * plane, 3 * plane));
        }
        int[] channels = [64, 128, 256], strides = [4, 8, 16];
        var outputs = new float[3][];
        var bindings = new HostTensor[3];
        string[] names = [ResNet18Graph.Layer1, ResNet18Graph.Layer2, ResNet18Graph.Layer3];
        for (int l = 0; l < 3; l++)
        {
            outputs[l] = new float[(long)n * channels[l] * (h / strides[l]) * (w / strides[l])];
            bindings[l] = HostTensor.Float(names[l], outputs[l], n, channels[l], h / strides[l], w / strides[l]);
        }
        _session.Run([HostTensor.Float(ResNet18Graph.InputName, input, n, 3, h, w)], bindings);

        var result = new FeatureMap[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new FeatureMap[3];
            for (int l = 0; l < 3; l++)
            {
                int gh = h / strides[l], gw = w / strides[l], size = channels[l] * gh * gw;
                result[i][l] = new FeatureMap(outputs[l].AsSpan(i * size, size).ToArray(), channels[l], gh, gw);
            }
        }
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
