namespace AnomalyEngine.Diffusion;

/// <summary>
/// One image to generate: the reference (normal) image [3, H, W] in [-1, 1]; the mask, 1 where the
/// defect goes, at pixel (H x W) or latent (h x w) resolution, or null for the whole image; the
/// conditioning [T, D] (see <see cref="ModelBundle.Conditioning"/>); and the item number that keys its noise.
/// </summary>
public sealed record SampleRequest(float[] Image, float[]? Mask, float[] Conditioning, uint Item);
