using AnomalyEngine.Compute;
using AnomalyEngine.Metrics;

namespace AnomalyEngine.Tests.Metrics;

public class ScoreKeyTests
{
    [Fact]
    public void Keys_order_exactly_as_the_scores_do()
    {
        var values = new List<float> { float.NegativeInfinity, -float.MaxValue, -1f, -float.Epsilon, -0f, 0f, float.Epsilon, 1e-30f, 0.5f, 1f, float.MaxValue, float.PositiveInfinity };
        for (uint i = 0; i < 2000; i++)
            values.Add((Philox.Uniform(5, 0, 0, i) - 0.5f) * MathF.Pow(10, (int)(Philox.Bits64(5, 1, 0, i) % 20) - 10));
        foreach (float a in values)
            foreach (float b in values.Take(200))
                Assert.Equal(a < b ? -1 : a > b ? 1 : 0, Math.Sign(ScoreKey.FromScore(a).CompareTo(ScoreKey.FromScore(b))));
    }

    [Fact]
    public void Negative_and_positive_zero_share_one_key_and_every_key_maps_back()
    {
        Assert.Equal(ScoreKey.FromScore(0f), ScoreKey.FromScore(-0f));
        foreach (float v in new[] { -3.25f, -1e-40f, 0f, 1e-40f, 0.1f, 7e20f })
            Assert.Equal(v, ScoreKey.ToScore(ScoreKey.FromScore(v)));
    }

    [Fact]
    public void Parallel_sort_matches_a_plain_sort_when_every_key_shares_its_top_bits()
    {
        // 300k entries in one top-16-bit bucket force the second partition level.
        var data = new ulong[300_000];
        for (uint i = 0; i < data.Length; i++)
            data[i] = 0x8123_0000_0000_0000ul | (Philox.Bits64(9, 0, 0, i) & 0x0000_FFFF_FFFF_FFFFul);
        var expected = (ulong[])data.Clone();
        Array.Sort(expected);
        ParallelKeySort.Sort(data, data.Length);
        Assert.Equal(expected, data);
    }

    [Fact]
    public void Parallel_sort_handles_huge_runs_of_identical_entries()
    {
        var data = new ulong[250_000];
        for (uint i = 0; i < data.Length; i++)
            data[i] = (Philox.Bits64(4, 0, 0, i) % 3) switch { 0 => 0x8000_0001_0000_0000ul, 1 => 0x8000_0001_0000_0007ul, _ => 0x3F00_0000_0000_0000ul };
        var expected = (ulong[])data.Clone();
        Array.Sort(expected);
        ParallelKeySort.Sort(data, data.Length);
        Assert.Equal(expected, data);
    }
}
