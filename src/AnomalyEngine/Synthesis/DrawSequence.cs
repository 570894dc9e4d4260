using AnomalyEngine.Compute;

namespace AnomalyEngine.Synthesis;

/// <summary>
/// A sequence of Philox draws keyed by (seed, stream, step): the n-th draw is Philox at element n,
/// so a sample is a pure function of its key whatever order or thread generates it.
/// </summary>
internal sealed class DrawSequence(ulong seed, uint stream, uint step)
{
    private uint next;

    /// <summary>Uniform in (0, 1].</summary>
    public float Uniform() => Philox.Uniform(seed, stream, step, next++);

    /// <summary>Uniform in [a, b].</summary>
    public float Range(float a, float b) => a + (b - a) * Uniform();

    /// <summary>Standard normal.</summary>
    public float Normal() => Philox.Normal(seed, stream, step, next++);

    /// <summary>Uniform integer in [0, n).</summary>
    public int Int(int n) => (int)(Philox.Bits64(seed, stream, step, next++) % (ulong)n);

    /// <summary>True with probability p.</summary>
    public bool Chance(float p) => Uniform() <= p;

    /// <summary>A fresh 64-bit key for a noise field.</summary>
    public ulong Key() => Philox.Bits64(seed, stream, step, next++);
}
