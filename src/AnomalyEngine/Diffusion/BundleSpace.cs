namespace AnomalyEngine.Diffusion;

/// <summary>Where a bundle's diffusion model works.</summary>
public enum BundleSpace
{
    /// <summary>On autoencoder latents (the bundle has vae_encoder and vae_decoder).</summary>
    Latent,
    /// <summary>On images in [-1, 1] directly (no autoencoder).</summary>
    Pixel,
}
