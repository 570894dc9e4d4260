using AnomalyEngine.Native;

namespace AnomalyEngine.Diffusion;

/// <summary>The bundle's unet graph as the sampler's noise predictor: one run per call, all rows together.</summary>
internal sealed class OnnxNoisePredictor(GraphSession unet, ModelBundle bundle) : INoisePredictor
{
    private readonly long _c = bundle.LatentChannels, _h = bundle.LatentSize, _t = bundle.Tokens, _d = bundle.Width;

    public void Predict(float[] latents, long[] timesteps, float[] contexts, float[] output, int rows) =>
        unet.Run(
            [HostTensor.Float("latent", latents, rows, _c, _h, _h), HostTensor.Int64("timestep", timesteps, rows), HostTensor.Float("context", contexts, rows, _t, _d)],
            [HostTensor.Float("noise", output, rows, _c, _h, _h)]);
}
