using System.Text;

namespace AnomalyEngine.Generation;

/// <summary>
/// One generated image: a normal source image, a defect embedding, a box index and a sample index.
/// Its <see cref="Key"/> is a stable 64-bit hash of those, so its seed and shard do not depend on
/// the order, batch or number of other items.
/// </summary>
public sealed record WorkItem(string SourceImage, string Defect, int Box, int Sample)
{
    /// <summary>FNV-1a 64 of "source|defect|box" (all samples of a box share it, and so share the box).</summary>
    public ulong BoxKey => Fnv1a($"{SourceImage}|{Defect}|{Box}");

    /// <summary>FNV-1a 64 of "source|defect|box|sample".</summary>
    public ulong Key => Fnv1a($"{SourceImage}|{Defect}|{Box}|{Sample}");

    /// <summary>The output file stem: the source's stem plus box and sample numbers.</summary>
    public string OutputStem => $"{Path.GetFileNameWithoutExtension(SourceImage)}_b{Box}_s{Sample}";

    private static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
