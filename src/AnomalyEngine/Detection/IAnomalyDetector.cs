using AnomalyEngine.Imaging;

namespace AnomalyEngine.Detection;

/// <summary>A trained detector: an anomaly map and image score per image, and a bundle on disk.</summary>
public interface IAnomalyDetector
{
    /// <summary>The anomaly map of <paramref name="image"/> at its own size and its image score.</summary>
    AnomalyMap Score(ImageTensor image);

    /// <summary>Writes the detector bundle (docs/detector-format.md) to <paramref name="folder"/>, atomically.</summary>
    void Save(string folder);
}
