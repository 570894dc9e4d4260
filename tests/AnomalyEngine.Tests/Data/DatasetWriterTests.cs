using AnomalyEngine.Data;
using AnomalyEngine.Imaging;
using AnomalyEngine.Synthesis;

namespace AnomalyEngine.Tests.Data;

public sealed class DatasetWriterTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ae-writer-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    [Fact]
    public void Written_category_reads_back_through_the_mvtec_reader()
    {
        var writer = new DatasetWriter(Path.Combine(root, "leather"));
        var good = SurfaceGenerator.Generate(SurfaceKind.Leather, null, 16, 4, SynthSplit.Train, 0);
        var bad = SurfaceGenerator.Generate(SurfaceKind.Leather, DefectKind.Stain, 16, 4, SynthSplit.Test, 0);
        Assert.Equal(Path.Combine("train", "good", "a.png"), writer.WriteNormal(DatasetSplit.Train, "a", good.ToTensor()));
        Assert.Equal(Path.Combine("test", "good", "b.png"), writer.WriteNormal(DatasetSplit.Test, "b", good.ToTensor()));
        var (img, mask) = writer.WriteDefect("stain", "c", bad.ToTensor(), bad.Mask);
        Assert.Equal((Path.Combine("test", "stain", "c.png"), Path.Combine("ground_truth", "stain", "c_mask.png")), (img, mask));

        var ds = MvtecLayout.Read(writer.CategoryDir);
        Assert.Empty(DatasetValidation.Check(ds).Errors);
        DatasetSample c = ds.Test.Single(s => s.Label == "stain");
        Assert.Equal(bad.Mask.Data, c.ReadMask().Data);
        Assert.Equal(bad.ToTensor().Data, ImageCodec.ReadImage(c.ImagePath).Data);
        Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Bad_names_and_mismatched_masks_are_refused()
    {
        var writer = new DatasetWriter(root);
        var img = new ImageTensor(3, 4, 4);
        Assert.Throws<InvalidOptionException>(() => writer.WriteNormal(DatasetSplit.Train, "../x", img));
        Assert.Throws<InvalidOptionException>(() => writer.WriteNormal(DatasetSplit.Train, "", img));
        Assert.Throws<InvalidOptionException>(() => writer.WriteDefect("good", "x", img, new Mask(4, 4)));
        Assert.Throws<InvalidInputException>(() => writer.WriteDefect("hole", "x", img, new Mask(4, 5)));
        Assert.Empty(Directory.GetFiles(root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Synthetic_dataset_reads_back_as_valid_mvtec_categories()
    {
        var options = new SynthDatasetOptions { Size = 24, TrainPerSurface = 4, TestPerDefect = 2, Seed = 9 };
        SynthDataset.Write(root, options);
        foreach (SurfaceKind surface in Enum.GetValues<SurfaceKind>())
        {
            var ds = MvtecLayout.Read(Path.Combine(root, SynthNames.Of(surface)));
            Assert.Empty(DatasetValidation.Check(ds).Errors);
            Assert.Equal(4, ds.Count(DatasetSplit.Train, "good"));
            Assert.Equal(2, ds.Count(DatasetSplit.Test, "good"));
            Assert.Equal(Enum.GetValues<DefectKind>().Select(SynthNames.Of).Order(StringComparer.Ordinal), ds.DefectTypes);
            Assert.All(ds.Test.Where(s => s.IsAnomalous), s => Assert.Equal(2, ds.Count(DatasetSplit.Test, s.Label)));
        }
    }
}
