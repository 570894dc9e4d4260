namespace AnomalyEngine.Detection;

/// <summary>The frozen backbone's layer-2 and layer-3 features of one image.</summary>
public sealed record BackboneFeatures(FeatureMap Layer2, FeatureMap Layer3);
