namespace AnomalyEngine.Compute;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
/// a counter-based generator, so a random number is a pure function of (key, counter) and the
/// same seed gives the same numbers whatever the batch size, thread count, device or resume point.
/// Usable inside ILGPU kernels (no allocation, no state).
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>The 10-round block function: 4 random 32-bit words for counter (c0..c3) and key (k0, k1).</summary>
    public static (uint, uint, uint, uint) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            uint n1 = (uint)p1;
            uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            uint n3 = (uint)p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            k0 += W0; k1 += W1;
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>A uniform float in (0, 1] from 32 random bits (never 0, so log is safe).</summary>
    public static float ToUniform(uint bits) => ((bits >> 8) + 1) * (1.0f / 16777216.0f);

    /// <summary>
    /// A standard normal number keyed by (seed, stream, step, element): the project's one way to
    /// draw noise. Box-Muller on two uniforms of one Philox block.
    /// </summary>
    public static float Normal(ulong seed, uint stream, uint step, uint element)
    {
        var (a, b, _, _) = Block(element, step, stream, 0x4E4F524Du, (uint)seed, (uint)(seed >> 32));
        float u1 = ToUniform(a);
        float u2 = ToUniform(b);
        return MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2);
    }

    /// <summary>A uniform float in (0, 1] keyed by (seed, stream, step, element).</summary>
    public static float Uniform(ulong seed, uint stream, uint step, uint element)
    {
        var (a, _, _, _) = Block(element, step, stream, 0x554E4946u, (uint)seed, (uint)(seed >> 32));
        return ToUniform(a);
    }

    /// <summary>A uniform 64-bit word keyed by (seed, stream, step, element), for host-side draws (boxes, shuffles).</summary>
    public static ulong Bits64(ulong seed, uint stream, uint step, uint element)
    {
        var (a, b, _, _) = Block(element, step, stream, 0x42495453u, (uint)seed, (uint)(seed >> 32));
        return ((ulong)a << 32) | b;
    }
}
