using AnomalyEngine.Data;
using AnomalyEngine.Embedding;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Tests.Embedding;

public class SupportSetLoaderTests
{
    /// <summary>A category with 4 crack images; image 2's mask is empty (as some real sets ship).</summary>
    private static string Category()
    {
        string root = Directory.CreateTempSubdirectory("ae-support-").FullName;
        var writer = new DatasetWriter(root);
        writer.WriteNormal(DatasetSplit.Train, "000", new ImageTensor(3, 16, 16));
        for (int k = 0; k < 4; k++)
        {
            var image = new ImageTensor(Enumerable.Range(0, 3 * 16 * 16).Select(i => (i * (k + 1) % 17) / 17f).ToArray(), 3, 16, 16);
            var mask = new Mask(16, 16);
            if (k != 2)
                for (int y = 4; y < 8; y++) for (int x = 3; x < 9; x++) mask.Data[y * 16 + x] = 1;
            writer.WriteDefect("crack", $"{k:000}", image, mask);
        }
        return root;
    }

    [Fact]
    public void The_draw_skips_images_whose_mask_is_empty()
    {
        string root = Category();
        var dataset = MvtecLayout.Read(root);
        for (ulong seed = 0; seed < 6; seed++)
        {
            var support = SupportSetLoader.FromDataset(dataset, "crack", 3, seed, 16);
            Assert.Equal(3, support.Examples.Count);
            Assert.DoesNotContain(support.Examples, e => Path.GetFileName(e.Source.Image) == "002.png");
        }
        Assert.Throws<InvalidInputException>(() => SupportSetLoader.FromDataset(dataset, "crack", 4, 0, 16));
        Directory.Delete(root, true);
    }

    [Fact]
    public void The_same_seed_draws_the_same_images()
    {
        string root = Category();
        var dataset = MvtecLayout.Read(root);
        var a = SupportSetLoader.FromDataset(dataset, "crack", 2, 5, 16).Examples.Select(e => e.Source.Image).ToList();
        var b = SupportSetLoader.FromDataset(dataset, "crack", 2, 5, 16).Examples.Select(e => e.Source.Image).ToList();
        Assert.Equal(a, b);
        Directory.Delete(root, true);
    }

    [Fact]
    public void A_mask_whose_size_differs_from_its_image_is_refused()
    {
        string root = Directory.CreateTempSubdirectory("ae-support-size-").FullName;
        try
        {
            string image = Path.Combine(root, "a.png"), mask = Path.Combine(root, "a_mask.png");
            ImageCodec.WriteImage(image, new ImageTensor(3, 20, 24));
            var m = new Mask(16, 16);
            m.Data[5] = 1;
            ImageCodec.WriteMask(mask, m);
            var e = Assert.Throws<InvalidInputException>(() => SupportSetLoader.FromFiles("crack", [(image, mask)], 16));
            Assert.Contains("16x16", e.Message);
            Assert.Contains("24x20", e.Message);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
