using AnomalyEngine.Imaging;

namespace AnomalyEngine.Detection;

/// <summary>A frozen feature extractor (the ResNet-18 backbone in production, anything deterministic in tests).</summary>
public interface IBackbone
{
    /// <summary>Layer-2 and layer-3 features of <paramref name="image"/> (grey or RGB, values 0..1).</summary>
    BackboneFeatures Extract(ImageTensor image);
}
