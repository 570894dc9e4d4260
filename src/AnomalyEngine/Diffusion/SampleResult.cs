namespace AnomalyEngine.Diffusion;

/// <summary>A generated image [3, H, W] in [-1, 1] (pasted back when asked) and its final latent [C, h, w] (scaled).</summary>
public sealed record SampleResult(float[] Image, float[] Latent);
