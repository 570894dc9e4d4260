using AnomalyEngine.Compute;
using AnomalyEngine.Detection.Head;

namespace AnomalyEngine.Tests.Detection;

public class HeadGradientTests
{
    [Theory]
    [InlineData(0.7, 1, 2.0)]
    [InlineData(-1.3, 1, 2.0)]
    [InlineData(2.2, 0, 2.0)]
    [InlineData(-0.4, 0, 4.0)]
    [InlineData(0.3, 1, 0.0)]
    public void Focal_gradient_matches_central_differences(double z, int y, double gamma)
    {
        const double h = 1e-6;
        double numeric = (WeakFocalLoss.Focal(z + h, y, gamma) - WeakFocalLoss.Focal(z - h, y, gamma)) / (2 * h);
        Assert.Equal(numeric, WeakFocalLoss.FocalGradient(z, y, gamma), 7);
    }

    [Fact]
    public void Focal_with_gamma_zero_is_binary_cross_entropy()
    {
        double p = 1 / (1 + Math.Exp(-0.8));
        Assert.Equal(-Math.Log(p), WeakFocalLoss.Focal(0.8, 1, 0), 10);
        Assert.Equal(-Math.Log(1 - p), WeakFocalLoss.Focal(0.8, 0, 0), 10);
        // gamma 2 down-weights an easy positive (p = 0.69) by (1 - p)^2.
        Assert.Equal(-Math.Pow(1 - p, 2) * Math.Log(p), WeakFocalLoss.Focal(0.8, 1, 2), 10);
    }

    [Fact]
    public void Weak_supervision_counts_normals_always_and_box_pixels_only_above_tau()
    {
        // Hand-made: (p, B) -> w with tau = 0.1.
        Assert.Equal(1f, WeakFocalLoss.Weight(0.9f, 0, 0.1f));   // normal, confident anomaly: still supervised as normal
        Assert.Equal(1f, WeakFocalLoss.Weight(0.01f, 0, 0.1f));
        Assert.Equal(1f, WeakFocalLoss.Weight(0.5f, 1, 0.1f));   // in box, above tau: anomalous
        Assert.Equal(0f, WeakFocalLoss.Weight(0.05f, 1, 0.1f));  // in box, below tau: ignored
        Assert.Equal(0f, WeakFocalLoss.Weight(0.1f, 1, 0.1f));   // strict inequality
        Assert.Equal(0f, WeakFocalLoss.Weight(0.9f, -1, 0.1f));  // partly covered cell: ignored

        // L = (1/N) sum w Focal: logits 2 (normal), -3 (box, p = 0.047 < tau), 1 (box), 0 (ignored); N = 4.
        float[] logits = [2, -3, 1, 0];
        sbyte[] labels = [0, 1, 1, -1];
        var grad = new float[4];
        double loss = WeakFocalLoss.Evaluate(logits, labels, 0.1f, 2, grad);
        double expected = (WeakFocalLoss.Focal(2, 0, 2) + WeakFocalLoss.Focal(1, 1, 2)) / 4;
        Assert.Equal(expected, loss, 9);
        Assert.Equal(0f, grad[1]);
        Assert.Equal(0f, grad[3]);
        Assert.Equal(WeakFocalLoss.FocalGradient(2, 0, 2) / 4, grad[0], 6);
    }

    [Fact]
    public void Head_parameter_gradients_match_double_precision_finite_differences()
    {
        const int d = 6, da = 5, hd = 4, rows = 7;
        var head = new DiscriminatorHead(d, da, hd);
        head.Initialize(17);
        for (int i = 0; i < hd; i++) head.HiddenBias[i] = 0.1f * (i - 1.5f); // move units off the LeakyReLU kink's symmetric point
        var x = new float[rows * d];
        for (int i = 0; i < x.Length; i++) x[i] = Philox.Normal(5, 0, 0, (uint)i);
        sbyte[] labels = [0, 1, 0, 1, -1, 0, 1];

        var act = head.Forward(x, rows);
        var dz = new float[rows];
        WeakFocalLoss.Evaluate(act.Logits, labels, 0.1f, 2, dz);
        // The weights w use the detached p: freeze them for the numeric derivative.
        var w = new double[rows];
        for (int r = 0; r < rows; r++)
            w[r] = WeakFocalLoss.Weight((float)(1 / (1 + Math.Exp(-act.Logits[r]))), labels[r], 0.1f);
        var grads = head.Backward(x, rows, act, dz);

        var parameters = head.Parameters.ToList();
        var p64 = parameters.Select(p => p.Values.Select(v => (double)v).ToArray()).ToArray();
        double Loss()
        {
            double sum = 0;
            for (int r = 0; r < rows; r++)
            {
                if (w[r] == 0) continue;
                var a = new double[da];
                for (int o = 0; o < da; o++)
                {
                    a[o] = p64[1][o];
                    for (int k = 0; k < d; k++) a[o] += p64[0][o * d + k] * x[r * d + k];
                }
                double z = p64[5][0];
                for (int o = 0; o < hd; o++)
                {
                    double v = p64[3][o];
                    for (int k = 0; k < da; k++) v += p64[2][o * da + k] * a[k];
                    z += p64[4][o] * (v > 0 ? v : 0.2 * v);
                }
                sum += w[r] * WeakFocalLoss.Focal(z, labels[r], 2);
            }
            return sum / rows;
        }

        const double h = 1e-6;
        for (int t = 0; t < p64.Length; t++)
            for (int i = 0; i < p64[t].Length; i++)
            {
                double keep = p64[t][i];
                p64[t][i] = keep + h;
                double up = Loss();
                p64[t][i] = keep - h;
                double down = Loss();
                p64[t][i] = keep;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - grads.Values[t][i]) <= 1e-5 + 1e-3 * Math.Abs(numeric),
                    $"{parameters[t].Name}[{i}]: numeric {numeric}, analytic {grads.Values[t][i]}");
            }
    }

    [Fact]
    public void AdamW_matches_torch_optim_AdamW()
    {
        // torch.optim.AdamW([p], lr=0.01, weight_decay=0.01), float64, three steps with these gradients.
        var p = new float[] { 0.5f, -1.0f, 2.0f };
        var opt = new AdamW(0.01f, 0.01f);
        foreach (var g in new[] { new[] { 0.1f, -0.2f, 0.3f }, new[] { -0.05f, 0.4f, 0.0f }, new[] { 0.2f, 0.2f, -0.1f } })
        {
            opt.BeginStep();
            opt.Update(p, g);
        }
        Assert.Equal(0.48060779667144415, p[0], 5);
        Assert.Equal(-0.9985551074285509, p[1], 5);
        Assert.Equal(1.9798107945910837, p[2], 5);
    }
}
