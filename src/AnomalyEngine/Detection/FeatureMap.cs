namespace AnomalyEngine.Detection;

/// <summary>A feature map of one image: channels x height x width, planar.</summary>
public readonly record struct FeatureMap(float[] Data, int Channels, int Height, int Width);
