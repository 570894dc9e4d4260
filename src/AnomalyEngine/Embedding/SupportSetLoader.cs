using System.Security.Cryptography;
using AnomalyEngine.Compute;
using AnomalyEngine.Data;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Embedding;

/// <summary>Builds support sets from files: k shots of a dataset's defect type, or explicit image/mask pairs.</summary>
public static class SupportSetLoader
{
    /// <summary>
    /// Picks <paramref name="shots"/> images of <paramref name="defect"/> from the test split of a
    /// dataset, by a seeded shuffle of the sorted names (the same seed picks the same images).
    /// </summary>
    public static SupportSet FromDataset(AnomalyDataset dataset, string defect, int shots, ulong seed, int imageSize)
    {
        if (shots < 1) throw new InvalidOptionException($"--shots must be at least 1 (got {shots}).");
        var candidates = dataset.Test.Where(s => s.Label == defect).OrderBy(s => s.ImagePath, StringComparer.Ordinal).ToList();
        if (candidates.Count == 0)
            throw new InvalidInputException($"{dataset.Root} has no test images of defect type \"{defect}\"; its defect types are: {string.Join(", ", dataset.DefectTypes)}.");
        if (candidates.Count < shots)
            throw new InvalidInputException($"\"{defect}\" has only {candidates.Count} images in {dataset.Root}; ask for at most that many --shots.");
        // Fisher-Yates with Philox draws keyed by (seed, position).
        var order = candidates.ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)(Philox.Bits64(seed, 0x53555050u, 0, (uint)i) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        // Take the first `shots` images of the shuffled order whose mask marks something (some real
        // sets ship empty masks, e.g. magnetic_tile "uneven"); a missing mask is an error.
        var chosen = new List<DatasetSample>();
        foreach (var c in order)
        {
            if (chosen.Count == shots) break;
            if (c.MaskPath is null)
                throw new InvalidInputException($"{c.ImagePath} has no ground-truth mask; stage 1 needs a mask for every support image.");
            if (ImageCodec.ReadMask(c.MaskPath).Area() > 0) chosen.Add(c);
        }
        if (chosen.Count < shots)
            throw new InvalidInputException($"Only {chosen.Count} images of \"{defect}\" in {dataset.Root} have a non-empty mask; ask for at most that many --shots.");
        return FromFiles(defect, chosen.Select(c => (c.ImagePath, c.MaskPath!)).ToList(), imageSize);
    }

    /// <summary>Loads explicit image/mask pairs, resized to the bundle's image size (images bicubic; masks keep every covered pixel).</summary>
    public static SupportSet FromFiles(string defect, IReadOnlyList<(string Image, string Mask)> pairs, int imageSize)
    {
        if (pairs.Count == 0) throw new InvalidInputException($"The support set of \"{defect}\" is empty: give at least one image with its mask.");
        var examples = new List<SupportExample>();
        foreach (var (imagePath, maskPath) in pairs)
        {
            var image = ImageCodec.ReadImage(imagePath, 3, PixelRange.MinusOneToOne);
            var mask = ImageCodec.ReadMask(maskPath);
            if (mask.Height != image.Height || mask.Width != image.Width)
                throw new InvalidInputException($"The mask {maskPath} is {mask.Width}x{mask.Height} but its image {imagePath} is {image.Width}x{image.Height}.");
            var resized = ImageResize.Bicubic(image, imageSize, imageSize);
            // Any coverage counts, so a hairline defect survives the downscale (AnoGen's latent mask dilates anyway).
            var small = ImageResize.Resize(mask, imageSize, imageSize, MaskResampling.Bilinear, threshold: 1e-6f);
            examples.Add(new SupportExample(resized.Data, small.Data.Select(v => v != 0 ? 1f : 0f).ToArray(),
                new SupportFile(imagePath, Sha256(imagePath), maskPath, Sha256(maskPath))));
        }
        return new SupportSet(defect, imageSize, examples);
    }

    internal static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
