using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;

namespace AnomalyEngine.Embedding;

/// <summary>The bundle's <c>unet_loss_grad</c> graph (opened by <see cref="BundleGraphs"/>) as the learner's fused exact gradient.</summary>
internal sealed class GraphConditioningLossGradient(GraphSession session, ModelBundle bundle) : IConditioningLossGradient
{
    public void LossAndBackward(float[] latents, long[] timesteps, float[] contexts, float[] target, float[] weight, float[] loss, float[] gradContext, int rows)
    {
        int c = bundle.LatentChannels, s = bundle.LatentSize;
        session.Run(
            [
                HostTensor.Float("latent", latents, rows, c, s, s),
                HostTensor.Int64("timestep", timesteps, rows),
                HostTensor.Float("context", contexts, rows, bundle.Tokens, bundle.Width),
                HostTensor.Float("target", target, rows, c, s, s),
                HostTensor.Float("weight", weight, rows, c, s, s),
            ],
            [HostTensor.Float("loss", loss, rows), HostTensor.Float("grad_context", gradContext, rows, bundle.Tokens, bundle.Width)]);
    }
}
