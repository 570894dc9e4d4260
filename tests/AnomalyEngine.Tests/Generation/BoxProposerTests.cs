using AnomalyEngine.Embedding;
using AnomalyEngine.Generation;

namespace AnomalyEngine.Tests.Generation;

public class BoxProposerTests
{
    [Fact]
    public void Axis_aligned_and_quarter_turned_boxes_cover_the_hand_computed_pixels()
    {
        var box = new DefectBox(5, 5, 4, 2, 0);
        var inside = Enumerable.Range(0, 10).SelectMany(y => Enumerable.Range(0, 10).Where(x => box.Contains(x, y)).Select(x => (x, y))).ToHashSet();
        Assert.Equal(Enumerable.Range(3, 4).SelectMany(x => new[] { (x, 4), (x, 5) }).ToHashSet(), inside);
        var turned = box with { AngleDegrees = 90 };
        var insideTurned = Enumerable.Range(0, 10).SelectMany(y => Enumerable.Range(0, 10).Where(x => turned.Contains(x, y)).Select(x => (x, y))).ToHashSet();
        Assert.Equal(Enumerable.Range(3, 4).SelectMany(y => new[] { (4, y), (5, y) }).ToHashSet(), insideTurned);
    }

    [Fact]
    public void Every_accepted_box_has_three_quarters_of_its_pixels_in_the_allowed_region()
    {
        int h = 80, w = 100;
        var allowed = new bool[h * w];
        for (int y = 10; y < 70; y++)
            for (int x = 0; x < 45; x++) allowed[y * w + x] = true; // a region on the left
        var proposer = new BoxProposer(new BoxSizeRange(0.1, 0.3, 0.05, 0.2));
        int accepted = 0;
        for (uint item = 0; item < 40; item++)
        {
            var box = proposer.Propose(allowed, h, w, seed: 11, item);
            if (box is null) continue;
            accepted++;
            var b = box.Value;
            Assert.InRange(b.AngleDegrees, 0, 180);
            Assert.Equal(Math.Floor(b.AngleDegrees), b.AngleDegrees);
            Assert.InRange(b.Width, 0.1 * h - 1e-9, 0.3 * h + 1e-9);
            Assert.InRange(b.Height, 0.05 * h - 1e-9, 0.2 * h + 1e-9);
            // Independent count on the rasterised mask.
            var mask = b.Rasterize(h, w);
            double total = mask.Sum(), inside = Enumerable.Range(0, h * w).Where(i => allowed[i]).Sum(i => mask[i]);
            Assert.True(inside / total >= 0.75, $"box {b}: {inside}/{total}");
        }
        Assert.True(accepted >= 30, $"only {accepted} of 40 items got a box");
    }

    [Fact]
    public void Proposals_are_reproducible_per_seed_and_item()
    {
        var proposer = new BoxProposer(new BoxSizeRange(0.1, 0.3, 0.1, 0.3));
        Assert.Equal(proposer.Propose(null, 64, 64, 3, 7), proposer.Propose(null, 64, 64, 3, 7));
        Assert.NotEqual(proposer.Propose(null, 64, 64, 3, 7), proposer.Propose(null, 64, 64, 3, 8));
    }

    [Fact]
    public void No_box_is_proposed_when_the_region_is_empty()
    {
        var proposer = new BoxProposer(new BoxSizeRange(0.1, 0.2, 0.1, 0.2), maxAttempts: 20);
        Assert.Null(proposer.Propose(new bool[32 * 32], 32, 32, 1, 0));
    }

    [Fact]
    public void Size_ranges_come_from_the_support_masks_bounding_boxes()
    {
        var a = new float[100 * 100];
        for (int y = 10; y < 30; y++) for (int x = 20; x < 60; x++) a[y * 100 + x] = 1; // 40 x 20
        var b = new float[100 * 100];
        for (int y = 50; y < 60; y++) for (int x = 50; x < 60; x++) b[y * 100 + x] = 1; // 10 x 10
        var r = BoxProposer.FromSupportMasks([(a, 100, 100), (b, 100, 100)]);
        Assert.Equal(0.10 * 0.9, r.MinWidth, 1e-12);
        Assert.Equal(0.40 * 1.1, r.MaxWidth, 1e-12);
        Assert.Equal(0.10 * 0.9, r.MinHeight, 1e-12);
        Assert.Equal(0.20 * 1.1, r.MaxHeight, 1e-12);
        Assert.Throws<InvalidInputException>(() => BoxProposer.FromSupportMasks([(new float[4], 2, 2)]));
    }
}

public class BoxEstimateTests
{
    [Fact]
    public void Sampled_inside_fraction_tracks_the_exact_count()
    {
        int h = 90, w = 120;
        var allowed = new bool[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) allowed[y * w + x] = (x - 60) * (x - 60) + (y - 45) * (y - 45) < 35 * 35;
        var rng = new Random(2);
        for (int k = 0; k < 50; k++)
        {
            var box = new DefectBox(rng.Next(10, 110), rng.Next(10, 80), rng.Next(8, 50), rng.Next(8, 50), rng.Next(0, 181));
            double exact = BoxProposer.InsideFraction(box, allowed, h, w);
            double estimate = BoxProposer.SampledInsideFraction(box, allowed, h, w);
            // 256 points over a box of at least 64 pixels: the estimate stays within 0.2, the margin the proposer leaves.
            Assert.True(Math.Abs(exact - estimate) < 0.2, $"{box}: exact {exact}, estimate {estimate}");
        }
    }
}

public class DefectBoxDistanceTests
{
    [Theory]
    [InlineData(3, 4, 0.5)]    // centre (3.5, 4.5): min(2 - 1.5, 1 - 0.5)
    [InlineData(5, 5, 0.5)]    // centre (5.5, 5.5): min(2 - 0.5, 1 - 0.5)
    [InlineData(0, 0, -3.5)]   // centre (0.5, 0.5): min(2 - 4.5, 1 - 4.5)
    [InlineData(7, 5, -0.5)]   // centre (7.5, 5.5): min(2 - 2.5, 1 - 0.5)
    public void Inside_distance_is_the_signed_distance_to_the_nearest_edge(int x, int y, double expected)
    {
        Assert.Equal(expected, new DefectBox(5, 5, 4, 2, 0).InsideDistance(x, y), 1e-12);
    }
}
