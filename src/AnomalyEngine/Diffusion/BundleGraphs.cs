using AnomalyEngine.Compute;
using AnomalyEngine.Native;

namespace AnomalyEngine.Diffusion;

/// <summary>
/// A bundle's graphs opened as sessions, each checked against the manifest's shapes
/// (docs/bundle-format.md): the unet, and where present unet_grad, unet_loss_grad and the autoencoder.
/// </summary>
public sealed class BundleGraphs : IDisposable
{
    private BundleGraphs(ModelBundle bundle) => Bundle = bundle;

    /// <summary>The bundle the graphs come from.</summary>
    public ModelBundle Bundle { get; }

    /// <summary>The noise predictor (latent, timestep, context → noise).</summary>
    public GraphSession Unet { get; private set; } = null!;

    /// <summary>The conditioning-gradient graph, or null when the bundle has none.</summary>
    public GraphSession? UnetGrad { get; private set; }

    /// <summary>The fused loss-and-gradient graph, or null when the bundle has none.</summary>
    public GraphSession? UnetLossGrad { get; private set; }

    /// <summary>The autoencoder's encoder, or null for pixel-space bundles.</summary>
    public GraphSession? Encoder { get; private set; }

    /// <summary>The autoencoder's decoder, or null for pixel-space bundles.</summary>
    public GraphSession? Decoder { get; private set; }

    /// <summary>
    /// Opens every graph of <paramref name="bundle"/> (the TensorRT plan instead of the ONNX file when
    /// <paramref name="options"/> asks for TensorRT and the manifest names one) and checks its
    /// inputs and outputs; a mismatch is a ModelException that says what to fix.
    /// </summary>
    public static BundleGraphs Open(ModelBundle bundle, GraphSessionOptions? options = null, ComputeDevice? device = null)
    {
        var graphs = new BundleGraphs(bundle);
        try
        {
            graphs.Unet = OpenOne(bundle, "unet", options, device)!;
            graphs.UnetGrad = OpenOne(bundle, "unet_grad", options, device);
            graphs.UnetLossGrad = OpenOne(bundle, "unet_loss_grad", options, device);
            graphs.Encoder = OpenOne(bundle, "vae_encoder", options, device);
            graphs.Decoder = OpenOne(bundle, "vae_decoder", options, device);
            return graphs;
        }
        catch
        {
            graphs.Dispose();
            throw;
        }
    }

    private static GraphSession? OpenOne(ModelBundle bundle, string component, GraphSessionOptions? options, ComputeDevice? device)
    {
        var onnx = bundle.GraphPath(component);
        if (onnx is null)
            return null;
        var path = options?.Backend == GraphBackend.TensorRT && bundle.PlanPath(component) is { } plan ? plan : onnx;
        var session = GraphSession.Open(path, options, device);
        try
        {
            bundle.CheckGraph(component, Ports(session.Inputs, path), Ports(session.Outputs, path));
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static GraphPort[] Ports(IReadOnlyList<TensorInfo> infos, string path) =>
        infos.Select(i => i.ElementType is TensorElementType.Float32 or TensorElementType.Int64
            ? new GraphPort(i.Name, i.ElementType == TensorElementType.Int64, i.Shape)
            : throw new ModelException($"Graph '{path}' tensor '{i.Name}' is {i.ElementType}; the bundle format uses float32 (and int64 timesteps): re-export it.")).ToArray();

    /// <summary>The sampler's view of these graphs.</summary>
    internal DiffusionModel Model()
    {
        var b = Bundle;
        IAutoencoder? vae = Encoder is not null && Decoder is not null ? new OnnxAutoencoder(Encoder, Decoder, b) : null;
        return new DiffusionModel(b.ImageSize, b.LatentChannels, b.LatentSize, b.ScaleFactor, b.Tokens, b.Width, b.Unconditional,
            b.CreateSchedule(), b.Prediction, new OnnxNoisePredictor(Unet, b), vae);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Unet?.Dispose();
        UnetGrad?.Dispose();
        UnetLossGrad?.Dispose();
        Encoder?.Dispose();
        Decoder?.Dispose();
    }
}
