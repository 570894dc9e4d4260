using AnomalyEngine.Compute;

namespace AnomalyEngine.Embedding;

/// <summary>
/// Antithetic random-direction gradient estimate (Gaussian smoothing / SPSA family) for engines
/// that only have the forward graph:
/// <c>g = (1/K) Σ_k [(L(v + σ u_k) − L(v − σ u_k)) / 2σ] u_k</c>, u_k ~ N(0, I).
/// All 2K candidates are scored on the same timesteps, noise and images (common random numbers),
/// so the difference measures the embedding alone. Optionally the directions are drawn in the span
/// of the vocabulary's embeddings (Fei et al. 2023, "Gradient-Free Textual Inversion").
/// Cost: 2K forward evaluations of the loss per step (one engine call of 2K·B rows).
/// </summary>
internal sealed class GradientFreeEstimator
{
    private readonly int _width;
    private readonly float[][]? _basis; // orthonormal rows spanning the vocabulary, or null for the full space

    public GradientFreeEstimator(int width, int directions, float sigma, IReadOnlyList<float[]>? subspace = null)
    {
        if (directions < 1) throw new InvalidOptionException($"The gradient-free estimator needs at least one direction (got {directions}).");
        if (!(sigma > 0)) throw new InvalidOptionException($"The smoothing radius sigma must be positive (got {sigma}).");
        _width = width;
        Directions = directions;
        Sigma = sigma;
        if (subspace is not null) _basis = Orthonormalise(subspace, width);
    }

    public int Directions { get; }
    public float Sigma { get; }

    /// <summary>Dimension of the space the directions are drawn from.</summary>
    public int SearchDimension => _basis?.Length ?? _width;

    /// <summary>The K directions of one step, keyed by (seed, step): the same on every run and resume.</summary>
    public float[][] DrawDirections(ulong seed, uint step)
    {
        var directions = new float[Directions][];
        for (int k = 0; k < Directions; k++)
        {
            var u = new float[_width];
            if (_basis is null)
            {
                for (int d = 0; d < _width; d++) u[d] = Philox.Normal(seed, 0x47460000u + (uint)k, step, (uint)d);
            }
            else
            {
                // u = sqrt(D/n) Σ_j a_j e_j: isotropic in the subspace, with the same expected norm as in the full space.
                float scale = MathF.Sqrt((float)_width / _basis.Length);
                for (int j = 0; j < _basis.Length; j++)
                {
                    float a = Philox.Normal(seed, 0x47460000u + (uint)k, step, (uint)j) * scale;
                    for (int d = 0; d < _width; d++) u[d] += a * _basis[j][d];
                }
            }
            directions[k] = u;
        }
        return directions;
    }

    /// <summary>The 2K candidates v ± σ u_k, in the order (+u_0, −u_0, +u_1, −u_1, ...).</summary>
    public float[][] Candidates(ReadOnlySpan<float> v, float[][] directions)
    {
        var candidates = new float[2 * directions.Length][];
        for (int k = 0; k < directions.Length; k++)
        {
            var plus = new float[_width];
            var minus = new float[_width];
            for (int d = 0; d < _width; d++)
            {
                plus[d] = v[d] + Sigma * directions[k][d];
                minus[d] = v[d] - Sigma * directions[k][d];
            }
            candidates[2 * k] = plus;
            candidates[2 * k + 1] = minus;
        }
        return candidates;
    }

    /// <summary>The gradient estimate from the candidates' losses (same order as <see cref="Candidates"/>).</summary>
    public float[] Estimate(float[][] directions, ReadOnlySpan<double> losses)
    {
        if (losses.Length != 2 * directions.Length)
            throw new ArgumentException($"Expected {2 * directions.Length} losses, got {losses.Length}.", nameof(losses));
        var g = new double[_width];
        for (int k = 0; k < directions.Length; k++)
        {
            double slope = (losses[2 * k] - losses[2 * k + 1]) / (2.0 * Sigma);
            for (int d = 0; d < _width; d++) g[d] += slope * directions[k][d];
        }
        return g.Select(x => (float)(x / directions.Length)).ToArray();
    }

    // Modified Gram-Schmidt in double; vectors that add no new direction are dropped.
    private static float[][] Orthonormalise(IReadOnlyList<float[]> vectors, int width)
    {
        var basis = new List<double[]>();
        foreach (var vector in vectors)
        {
            if (vector.Length != width) throw new ModelException($"A vocabulary vector has {vector.Length} values; the conditioning width is {width}.");
            var w = vector.Select(x => (double)x).ToArray();
            double original = Math.Sqrt(w.Sum(x => x * x));
            foreach (var e in basis)
            {
                double dot = 0;
                for (int d = 0; d < width; d++) dot += w[d] * e[d];
                for (int d = 0; d < width; d++) w[d] -= dot * e[d];
            }
            double norm = Math.Sqrt(w.Sum(x => x * x));
            if (norm > 1e-6 * Math.Max(original, 1e-30))
                basis.Add(w.Select(x => x / norm).ToArray());
        }
        if (basis.Count == 0) throw new ModelException("The vocabulary spans no direction: it cannot define a search subspace.");
        return basis.Select(e => e.Select(x => (float)x).ToArray()).ToArray();
    }
}
