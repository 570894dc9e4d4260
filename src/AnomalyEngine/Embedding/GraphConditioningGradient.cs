using AnomalyEngine.Native;

namespace AnomalyEngine.Embedding;

/// <summary>The bundle's <c>unet_grad</c> graph run through the native runtime.</summary>
internal sealed class GraphConditioningGradient : IConditioningGradient, IDisposable
{
    private readonly GraphSession _session;
    private readonly int _channels, _size, _tokens, _width;

    public GraphConditioningGradient(string graphPath, int latentChannels, int latentSize, int tokens, int width, GraphSessionOptions? options = null)
    {
        _session = GraphSession.Open(graphPath, options);
        (_channels, _size, _tokens, _width) = (latentChannels, latentSize, tokens, width);
        foreach (var name in new[] { "latent", "timestep", "context", "grad_output" })
            if (_session.Inputs.All(i => i.Name != name))
                throw new ModelException($"{graphPath} has no input \"{name}\": it is not a unet_grad graph of bundle format 1 (see docs/bundle-format.md).");
        if (_session.Outputs.All(o => o.Name != "grad_context"))
            throw new ModelException($"{graphPath} has no output \"grad_context\": it is not a unet_grad graph of bundle format 1.");
    }

    public void Backward(float[] latents, long[] timesteps, float[] contexts, float[] gradOutput, float[] gradContext, int rows)
    {
        _session.Run(
            [
                HostTensor.Float("latent", latents, rows, _channels, _size, _size),
                HostTensor.Int64("timestep", timesteps, rows),
                HostTensor.Float("context", contexts, rows, _tokens, _width),
                HostTensor.Float("grad_output", gradOutput, rows, _channels, _size, _size),
            ],
            [HostTensor.Float("grad_context", gradContext, rows, _tokens, _width)]);
    }

    public void Dispose() => _session.Dispose();
}
