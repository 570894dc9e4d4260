using AnomalyEngine.Embedding;

namespace AnomalyEngine.Tests.Embedding;

public class GradientFreeEstimatorTests
{
    // f(v) = Σ a_d v_d + 0.5 Σ c_d v_d², so ∇f = a + c ⊙ v; antithetic differences of a quadratic
    // are exact directional derivatives: (f(v+σu) − f(v−σu)) / 2σ = ∇f·u.
    private static readonly float[] A = [1.0f, -2.0f, 0.5f, 3.0f, 0f, -1.5f];
    private static readonly float[] C = [2.0f, 1.0f, 4.0f, 0.5f, 1.0f, 3.0f];

    private static double F(float[] v) => Enumerable.Range(0, v.Length).Sum(d => A[d] * (double)v[d] + 0.5 * C[d] * (double)v[d] * v[d]);

    [Fact]
    public void Each_antithetic_term_is_the_directional_derivative_of_a_quadratic()
    {
        var v = new float[] { 0.3f, -0.7f, 1.1f, 0f, 2f, -0.2f };
        var estimator = new GradientFreeEstimator(6, directions: 1, sigma: 0.01f);
        var u = estimator.DrawDirections(seed: 5, step: 3);
        var losses = estimator.Candidates(v, u).Select(F).ToArray();
        var g = estimator.Estimate(u, losses);
        double directional = Enumerable.Range(0, 6).Sum(d => (A[d] + C[d] * v[d]) * (double)u[0][d]);
        for (int d = 0; d < 6; d++)
            Assert.Equal(directional * u[0][d], g[d], 1e-3);
    }

    [Fact]
    public void Estimate_converges_to_the_true_gradient_with_many_directions()
    {
        var v = new float[] { 0.3f, -0.7f, 1.1f, 0f, 2f, -0.2f };
        var estimator = new GradientFreeEstimator(6, directions: 20000, sigma: 0.05f);
        var u = estimator.DrawDirections(seed: 1, step: 0);
        var g = estimator.Estimate(u, estimator.Candidates(v, u).Select(F).ToArray());
        for (int d = 0; d < 6; d++)
        {
            double truth = A[d] + C[d] * v[d];
            // E[(∇f·u)u] = ∇f; the standard error per coordinate is about |∇f| / sqrt(K) ≈ 0.05.
            Assert.Equal(truth, g[d], 0.25);
        }
    }

    [Fact]
    public void Subspace_directions_stay_in_the_span_of_the_vocabulary()
    {
        var vocabulary = new[] { new float[] { 1, 1, 0, 0, 0, 0 }, new float[] { 0, 0, 1, 0, 0, 0 }, new float[] { 2, 2, 1, 0, 0, 0 } };
        var estimator = new GradientFreeEstimator(6, directions: 8, sigma: 0.1f, vocabulary);
        Assert.Equal(2, estimator.SearchDimension); // the third vector is a combination of the first two
        foreach (var u in estimator.DrawDirections(seed: 9, step: 1))
        {
            Assert.Equal(u[0], u[1], 1e-5);
            Assert.Equal(0f, u[3]); Assert.Equal(0f, u[4]); Assert.Equal(0f, u[5]);
        }
    }

    [Fact]
    public void Directions_are_reproducible_per_seed_and_step()
    {
        var e = new GradientFreeEstimator(6, directions: 2, sigma: 0.1f);
        Assert.Equal(e.DrawDirections(1, 2)[1], e.DrawDirections(1, 2)[1]);
        Assert.NotEqual(e.DrawDirections(1, 2)[1], e.DrawDirections(1, 3)[1]);
    }
}
