namespace AnomalyEngine.Diffusion;

/// <summary>The autoencoder seen by the sampler, without the latent scale factor (the sampler applies it).</summary>
internal interface IAutoencoder
{
    /// <summary>images [batch, 3, H, W] in [-1, 1] → latents [batch, C, h, w] (posterior mean).</summary>
    void Encode(float[] images, float[] latents, int batch);

    /// <summary>latents [batch, C, h, w] → images [batch, 3, H, W] in [-1, 1].</summary>
    void Decode(float[] latents, float[] images, int batch);
}
