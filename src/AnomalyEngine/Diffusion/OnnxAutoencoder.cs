using AnomalyEngine.Native;

namespace AnomalyEngine.Diffusion;

/// <summary>The bundle's vae_encoder and vae_decoder graphs (latents without the scale factor).</summary>
internal sealed class OnnxAutoencoder(GraphSession encoder, GraphSession decoder, ModelBundle bundle) : IAutoencoder
{
    private readonly long _c = bundle.LatentChannels, _h = bundle.LatentSize, _s = bundle.ImageSize;

    public void Encode(float[] images, float[] latents, int batch) =>
        encoder.Run([HostTensor.Float("image", images, batch, 3, _s, _s)], [HostTensor.Float("latent", latents, batch, _c, _h, _h)]);

    public void Decode(float[] latents, float[] images, int batch) =>
        decoder.Run([HostTensor.Float("latent", latents, batch, _c, _h, _h)], [HostTensor.Float("image", images, batch, 3, _s, _s)]);
}
