using AnomalyEngine.Data;
using AnomalyEngine.Imaging;
using AnomalyEngine.Synthesis;

namespace AnomalyEngine.Tests.Data;

/// <summary>Broken copies of a small dataset, each with one known fault: validation names the file and the fix.</summary>
public sealed class DatasetValidationTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ae-val-").FullName;
    private readonly string cat;

    public DatasetValidationTests()
    {
        cat = Path.Combine(root, "tile");
        var writer = new DatasetWriter(cat);
        for (int i = 0; i < 3; i++)
        {
            var good = SurfaceGenerator.Generate(SurfaceKind.Tile, null, 32, 1, SynthSplit.Train, i);
            writer.WriteNormal(DatasetSplit.Train, $"{i:000}", good.ToTensor());
        }
        writer.WriteNormal(DatasetSplit.Test, "000", SurfaceGenerator.Generate(SurfaceKind.Tile, null, 32, 1, SynthSplit.Test, 0).ToTensor());
        for (int i = 0; i < 2; i++)
        {
            var bad = SurfaceGenerator.Generate(SurfaceKind.Tile, DefectKind.Crack, 32, 1, SynthSplit.Test, i);
            writer.WriteDefect("crack", $"{i:000}", bad.ToTensor(), bad.Mask);
        }
    }

    public void Dispose() => Directory.Delete(root, true);

    private string At(params string[] parts) => Path.Combine([cat, .. parts]);

    private IReadOnlyList<string> Problems() => DatasetValidation.Check(MvtecLayout.Read(cat)).Errors;

    [Fact]
    public void Intact_copy_has_no_problems()
    {
        Assert.Empty(Problems());
        var ds = MvtecLayout.Read(cat);
        Assert.Equal((3, 1, 2), (ds.Count(DatasetSplit.Train, "good"), ds.Count(DatasetSplit.Test, "good"), ds.Count(DatasetSplit.Test, "crack")));
        Assert.Equal(At("ground_truth", "crack", "001_mask.png"), ds.Test.Single(s => s.Label == "crack" && s.Name == "001").MaskPath);
    }

    [Fact]
    public void Missing_mask_is_reported_with_the_expected_path()
    {
        File.Delete(At("ground_truth", "crack", "001_mask.png"));
        string p = Assert.Single(Problems());
        Assert.Contains("001.png: no mask; add " + At("ground_truth", "crack", "001_mask.png"), p);
    }

    [Fact]
    public void Mask_of_another_size_is_reported_with_both_sizes()
    {
        ImageCodec.WriteMask(At("ground_truth", "crack", "000_mask.png"), new Mask([1, 0, 0, 0, 0, 0], 2, 3));
        string p = Assert.Single(Problems());
        Assert.Contains("the mask is 3x2 but its image 000.png is 32x32", p);
    }

    [Fact]
    public void Grey_levels_in_a_mask_are_reported_as_not_binary()
    {
        var grey = new byte[32 * 32];
        grey[5] = 255; grey[6] = 128; grey[7] = 3;
        File.WriteAllBytes(At("ground_truth", "crack", "000_mask.png"), ImageCodec.EncodePng8(grey, 32, 32, 1));
        Assert.Contains("not binary, 2 pixel(s)", Assert.Single(Problems()));
    }

    [Fact]
    public void Empty_mask_of_a_defect_is_a_warning_not_an_error()
    {
        ImageCodec.WriteMask(At("ground_truth", "crack", "000_mask.png"), new Mask(32, 32));
        DatasetReport report = DatasetValidation.Validate(MvtecLayout.Read(cat));
        Assert.True(report.IsValid);
        Assert.Contains("empty, but its image is labelled 'crack'", Assert.Single(report.Warnings));
    }

    [Fact]
    public void Empty_training_folder_and_empty_defect_folder_are_reported()
    {
        foreach (string f in Directory.GetFiles(At("train", "good"))) File.Delete(f);
        Directory.CreateDirectory(At("test", "hole"));
        var problems = Problems();
        Assert.Contains(problems, p => p.Contains("no training images"));
        Assert.Contains(problems, p => p.Contains(At("test", "hole") + ": an empty defect folder"));
    }

    [Fact]
    public void Same_name_with_two_extensions_is_reported_as_a_duplicate()
    {
        File.Copy(At("test", "crack", "000.png"), At("test", "crack", "000.jpg"));
        Assert.Contains(Problems(), p => p.Contains("000.jpg and 000.png share the name '000'") || p.Contains("000.png and 000.jpg share the name '000'"));
    }

    [Fact]
    public void Orphan_mask_and_truncated_images_are_reported()
    {
        File.Copy(At("ground_truth", "crack", "000_mask.png"), At("ground_truth", "crack", "007_mask.png"));
        byte[] bytes = File.ReadAllBytes(At("train", "good", "001.png"));
        File.WriteAllBytes(At("train", "good", "001.png"), bytes[..12]);
        File.WriteAllBytes(At("train", "good", "002.png"), bytes[..(bytes.Length / 2)]);
        var problems = Problems();
        Assert.Contains(problems, p => p.Contains("007_mask.png: a mask without an image"));
        Assert.Contains(problems, p => p.StartsWith(At("train", "good", "001.png")));
        // A file cut after its header passes the header check; decoding finds it.
        Assert.DoesNotContain(problems, p => p.StartsWith(At("train", "good", "002.png")));
        var decoded = DatasetValidation.Check(MvtecLayout.Read(cat), decodeImages: true).Errors;
        Assert.Contains(decoded, p => p.StartsWith(At("train", "good", "002.png")) && p.Contains("truncated or corrupt"));
    }

    [Fact]
    public void Validate_throws_quoting_the_problems()
    {
        File.Delete(At("ground_truth", "crack", "000_mask.png"));
        var e = Assert.Throws<InvalidInputException>(() => DatasetValidation.Validate(MvtecLayout.Read(cat)));
        Assert.Contains("dataset tile has 1 problem(s)", e.Message);
        Assert.Contains("000_mask.png", e.Message);
        Assert.Equal(3, e.ExitCode);
    }

    [Fact]
    public void A_folder_that_is_not_a_category_is_refused()
    {
        Assert.Contains("neither train/ nor test/", Assert.Throws<InvalidInputException>(() => MvtecLayout.Read(root)).Message);
        Assert.Contains("no such folder", Assert.Throws<InvalidInputException>(() => MvtecLayout.Read(Path.Combine(root, "nope"))).Message);
    }
}
