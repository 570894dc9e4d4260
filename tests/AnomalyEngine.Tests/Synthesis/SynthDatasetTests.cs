using System.Security.Cryptography;
using AnomalyEngine.Imaging;
using AnomalyEngine.Synthesis;

namespace AnomalyEngine.Tests.Synthesis;

public sealed class SynthDatasetTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "ae-synth-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, true);
    }

    private static SynthDatasetOptions Small(ulong seed) => new()
    {
        Size = 32,
        TrainPerSurface = 3,
        TestPerDefect = 2,
        Surfaces = [SurfaceKind.Tile, SurfaceKind.Leather],
        Defects = [DefectKind.Scratch, DefectKind.Hole],
        Seed = seed,
    };

    private static Dictionary<string, string> Hashes(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void Writes_the_MVTec_layout_with_labels_and_no_temporary_files()
    {
        int n = SynthDataset.Write(root, Small(1));
        // 2 surfaces x (3 train + 2 test good + 2 defects x 2).
        Assert.Equal(2 * (3 + 2 + 4), n);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(root, "tile", "train", "good"), "*.png").Length);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(root, "leather", "test", "good"), "*.png").Length);
        Assert.True(File.Exists(Path.Combine(root, "tile", "test", "hole", "001.png")));
        Assert.True(File.Exists(Path.Combine(root, "tile", "ground_truth", "hole", "001_mask.png")));
        Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));

        string[] lines = File.ReadAllLines(Path.Combine(root, SynthDataset.LabelsFile));
        Assert.Equal("path,surface,label,mask", lines[0]);
        Assert.Equal(n + 1, lines.Length);
        Assert.Contains("tile/test/scratch/000.png,tile,scratch,tile/ground_truth/scratch/000_mask.png", lines);
        Assert.Contains("leather/train/good/002.png,leather,good,", lines);
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(',');
            Assert.True(File.Exists(Path.Combine(root, f[0])), f[0]);
            if (f[3].Length > 0) Assert.True(File.Exists(Path.Combine(root, f[3])), f[3]);
        }
    }

    [Fact]
    public void Same_seed_writes_identical_bytes_and_another_seed_does_not()
    {
        string a = Path.Combine(root, "a"), b = Path.Combine(root, "b"), c = Path.Combine(root, "c");
        SynthDataset.Write(a, Small(7));
        SynthDataset.Write(b, Small(7));
        SynthDataset.Write(c, Small(8));
        var ha = Hashes(a);
        Assert.Equal(ha, Hashes(b));
        var hc = Hashes(c);
        Assert.NotEqual(ha["tile/train/good/000.png"], hc["tile/train/good/000.png"]);
    }

    [Fact]
    public void Written_masks_are_binary_and_match_the_generated_sample()
    {
        SynthDataset.Write(root, Small(3));
        var sample = SurfaceGenerator.Generate(SurfaceKind.Leather, DefectKind.Hole, 32, 3, SynthSplit.Test, 1);
        Mask mask = ImageCodec.ReadMask(Path.Combine(root, "leather", "ground_truth", "hole", "001_mask.png"));
        Assert.Equal(sample.Mask.Data, mask.Data);
        // Binary on disk: every grey level is 0 or 255.
        ImageTensor grey = ImageCodec.ReadImage(Path.Combine(root, "leather", "ground_truth", "hole", "001_mask.png"), 1);
        Assert.All(grey.Data, v => Assert.True(v == 0f || v == 1f));
        ImageTensor img = ImageCodec.ReadImage(Path.Combine(root, "leather", "test", "hole", "001.png"));
        Assert.Equal(sample.Rgb[3 * 40 + 2] / 255f, img[2, 1, 8], 1e-6f);
    }
}
