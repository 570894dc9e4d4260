namespace AnomalyEngine.Diffusion;

/// <summary>The unet seen by the sampler: one call predicts the model output for a whole batch of rows.</summary>
internal interface INoisePredictor
{
    /// <summary>
    /// latents [rows, C, h, w], timesteps [rows], contexts [rows, T, D] → output [rows, C, h, w]
    /// (epsilon or v, per the bundle). Arrays hold exactly <paramref name="rows"/> rows.
    /// </summary>
    void Predict(float[] latents, long[] timesteps, float[] contexts, float[] output, int rows);
}
