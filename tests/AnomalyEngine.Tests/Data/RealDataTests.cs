using AnomalyEngine.Data;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Tests.Data;

/// <summary>The real sets in ../shared/data: counts as in that folder's README, every file loads, odd sizes work.</summary>
public class RealDataTests
{
    [SharedDataFact]
    public void Hazelnut_counts_match_the_readme_and_01_is_502_wide()
    {
        var ds = MvtecLayout.Read(SharedData.Category("hazelnut_toy", "hazelnut"));
        Assert.Equal(28, ds.Count(DatasetSplit.Train, "good"));
        Assert.Equal(6, ds.Count(DatasetSplit.Test, "good"));
        Assert.Equal(17, ds.Count(DatasetSplit.Test, "colour"));
        Assert.Equal(["colour"], ds.DefectTypes);

        string odd = ds.Train.Single(s => s.Name == "01").ImagePath;
        Assert.Equal(new ImageInfo(502, 512, 24, "JPEG"), ImageCodec.Identify(odd));
        ImageTensor t = ImageCodec.ReadImage(odd);
        Assert.Equal((3, 512, 502), (t.Channels, t.Height, t.Width));
        ImageTensor square = ImageResize.Bicubic(t, 256, 256);
        Assert.Equal(3 * 256 * 256, square.Data.Length);
    }

    [SharedDataFact]
    public void Magnetic_tile_counts_match_the_readme()
    {
        var ds = MvtecLayout.Read(SharedData.Category("magnetic_tile", "magnetic_tile"));
        Assert.Equal(761, ds.Count(DatasetSplit.Train, "good"));
        Assert.Equal(191, ds.Count(DatasetSplit.Test, "good"));
        Assert.Equal(115, ds.Count(DatasetSplit.Test, "blowhole"));
        Assert.Equal(85, ds.Count(DatasetSplit.Test, "break"));
        Assert.Equal(57, ds.Count(DatasetSplit.Test, "crack"));
        Assert.Equal(32, ds.Count(DatasetSplit.Test, "fray"));
        Assert.Equal(103, ds.Count(DatasetSplit.Test, "uneven"));
    }

    [SharedDataFact]
    public void Kolektor_counts_match_the_readme()
    {
        var ds = MvtecLayout.Read(SharedData.Category("kolektorsdd", "kolektorsdd"));
        Assert.Equal(278, ds.Count(DatasetSplit.Train, "good"));
        Assert.Equal(70, ds.Count(DatasetSplit.Test, "good"));
        Assert.Equal(52, ds.Count(DatasetSplit.Test, "crack"));
    }

    [SharedDataTheory]
    [InlineData("hazelnut_toy", "hazelnut", 3, 0)]
    [InlineData("magnetic_tile", "magnetic_tile", 1, 5)]
    [InlineData("kolektorsdd", "kolektorsdd", 1, 0)]
    public void Every_image_and_mask_loads_and_the_set_validates(string set, string category, int channels, int emptyMasks)
    {
        var ds = MvtecLayout.Read(SharedData.Category(set, category));
        DatasetReport report = DatasetValidation.Check(ds);
        Assert.Empty(report.Errors);
        // magnetic_tile has 5 'uneven' images whose masks are all 0 (counted with numpy on the PNGs).
        Assert.Equal(emptyMasks, report.Warnings.Count);
        Assert.All(report.Warnings, w => Assert.Contains("empty, but its image is labelled 'uneven'", w));
        // Validation has decoded every mask and checked its size against its image's header; now decode every image.
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(ds.Samples, s =>
        {
            ImageTensor img = ImageCodec.ReadImage(s.ImagePath, channels);
            ImageInfo header = ImageCodec.Identify(s.ImagePath);
            if ((img.Width, img.Height) != (header.Width, header.Height)) failures.Add(s.ImagePath + ": size differs from the header");
            if (img.Data.Any(v => v is < 0f or > 1f)) failures.Add(s.ImagePath + ": value outside [0, 1]");
        });
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
    }

    [SharedDataFact]
    public void Grey_sets_are_8_bit_grey()
    {
        foreach (var (set, cat) in new[] { ("magnetic_tile", "magnetic_tile"), ("kolektorsdd", "kolektorsdd") })
        {
            var ds = MvtecLayout.Read(SharedData.Category(set, cat));
            Assert.Equal(8, ImageCodec.Identify(ds.Samples[0].ImagePath).BitsPerPixel);
        }
    }
}
