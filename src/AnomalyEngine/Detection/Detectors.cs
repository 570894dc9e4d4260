using AnomalyEngine.Compute;
using AnomalyEngine.Detection.Head;
using AnomalyEngine.Detection.PatchCore;

namespace AnomalyEngine.Detection;

/// <summary>Loads any detector bundle written by <see cref="IAnomalyDetector.Save"/>.</summary>
public static class Detectors
{
    /// <summary>Loads the bundle in <paramref name="folder"/>; <paramref name="backbone"/> must be the one it was trained with.</summary>
    public static IAnomalyDetector Load(string folder, IBackbone backbone, ComputeDevice? device = null)
    {
        var (root, kind) = DetectorBundle.ReadManifest(folder);
        return kind switch
        {
            HeadDetector.Kind => HeadDetector.Load(folder, root, backbone),
            PatchCoreDetector.Kind => PatchCoreDetector.Load(folder, root, backbone, device),
            _ => throw new ModelException($"The detector bundle is of kind '{kind}'; this engine reads '{HeadDetector.Kind}' and '{PatchCoreDetector.Kind}'."),
        };
    }
}
