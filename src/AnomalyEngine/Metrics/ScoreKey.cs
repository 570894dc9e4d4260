namespace AnomalyEngine.Metrics;

/// <summary>
/// Maps float scores to uint32 keys with the same order, so that an integer sort (managed or
/// ILGPU's radix sort, which orders float keys wrongly in 1.5.3) ranks scores exactly.
/// Positive floats: set the sign bit; negative floats: flip all bits. -0 is mapped as +0 so equal scores get equal keys.
/// </summary>
internal static class ScoreKey
{
    public static uint FromScore(float score)
    {
        uint bits = BitConverter.SingleToUInt32Bits(score == 0f ? 0f : score);
        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }

    public static float ToScore(uint key)
    {
        uint bits = (key & 0x8000_0000u) != 0 ? key & 0x7FFF_FFFFu : ~key;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>Throws when a score is NaN or infinite: a ranking metric over it has no meaning.</summary>
    public static void EnsureFinite(ReadOnlySpan<float> scores, string what)
    {
        for (int i = 0; i < scores.Length; i++)
        {
            if (!float.IsFinite(scores[i]))
                throw new NumericalException($"{what} holds a non-finite score ({scores[i]}) at index {i}: fix the detector output before evaluating.");
        }
    }
}
