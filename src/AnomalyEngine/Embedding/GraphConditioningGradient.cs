using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;

namespace AnomalyEngine.Embedding;

/// <summary>The bundle's <c>unet_grad</c> graph (opened by <see cref="BundleGraphs"/>) as the learner's exact gradient.</summary>
internal sealed class GraphConditioningGradient(GraphSession session, ModelBundle bundle) : IConditioningGradient
{
    public void Backward(float[] latents, long[] timesteps, float[] contexts, float[] gradOutput, float[] gradContext, int rows)
    {
        int c = bundle.LatentChannels, s = bundle.LatentSize;
        session.Run(
            [
                HostTensor.Float("latent", latents, rows, c, s, s),
                HostTensor.Int64("timestep", timesteps, rows),
                HostTensor.Float("context", contexts, rows, bundle.Tokens, bundle.Width),
                HostTensor.Float("grad_output", gradOutput, rows, c, s, s),
            ],
            [HostTensor.Float("grad_context", gradContext, rows, bundle.Tokens, bundle.Width)]);
    }
}
