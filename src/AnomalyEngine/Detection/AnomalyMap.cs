namespace AnomalyEngine.Detection;

/// <summary>A per-pixel anomaly map at image resolution (row-major) and the image-level score.</summary>
public sealed record AnomalyMap(float[] Pixels, int Height, int Width, float Score);
