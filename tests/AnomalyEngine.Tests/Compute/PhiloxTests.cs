using AnomalyEngine.Compute;

namespace AnomalyEngine.Tests.Compute;

public class PhiloxTests
{
    // Known-answer vectors of Random123's kat_vectors file for philox4x32 with 10 rounds.
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Block_matches_the_Random123_known_answers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint r0, uint r1, uint r2, uint r3)
    {
        Assert.Equal((r0, r1, r2, r3), Philox.Block(c0, c1, c2, c3, k0, k1));
    }

    [Fact]
    public void Normal_has_zero_mean_and_unit_variance()
    {
        const int n = 200_000;
        double sum = 0, sumSq = 0;
        for (uint i = 0; i < n; i++)
        {
            double x = Philox.Normal(42, 1, 2, i);
            sum += x; sumSq += x * x;
        }
        double mean = sum / n, variance = sumSq / n - mean * mean;
        // Standard errors: 1/sqrt(n) = 0.0022 for the mean, sqrt(2/n) = 0.0032 for the variance.
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.985, 1.015);
    }

    [Fact]
    public void Different_keys_give_different_streams()
    {
        Assert.NotEqual(Philox.Normal(1, 0, 0, 0), Philox.Normal(2, 0, 0, 0));
        Assert.NotEqual(Philox.Normal(1, 0, 0, 0), Philox.Normal(1, 1, 0, 0));
        Assert.NotEqual(Philox.Normal(1, 0, 0, 0), Philox.Normal(1, 0, 1, 0));
        Assert.Equal(Philox.Normal(7, 3, 5, 11), Philox.Normal(7, 3, 5, 11));
    }
}
