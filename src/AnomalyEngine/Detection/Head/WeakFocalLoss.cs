namespace AnomalyEngine.Detection.Head;

/// <summary>
/// The binary focal loss (Lin et al., ICCV 2017, without alpha) under AnoGen's weak box
/// supervision: with p = sigmoid(z) detached and B the label, w = [B = 0] OR [p &gt; tau];
/// L = (1/N) sum_i w_i Focal(p_i, B_i) over all N locations (ignored ones count in N).
/// Labels: 0 normal, 1 inside the anomaly/box, -1 ignored (a feature cell only partly covered).
/// </summary>
internal static class WeakFocalLoss
{
    /// <summary>w = [B = 0] OR [p &gt; tau]; 0 for ignored locations.</summary>
    internal static float Weight(float p, sbyte label, float tau) => label switch
    {
        0 => 1f,
        1 => p > tau ? 1f : 0f,
        _ => 0f,
    };

    /// <summary>log(1 + e^x) without overflow.</summary>
    internal static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    /// <summary>Focal(p, y) from the logit: y=1: -(1-p)^g log p; y=0: -p^g log(1-p).</summary>
    internal static double Focal(double z, int y, double gamma)
    {
        double p = 1 / (1 + Math.Exp(-z));
        return y == 1 ? Math.Pow(1 - p, gamma) * Softplus(-z) : Math.Pow(p, gamma) * Softplus(z);
    }

    /// <summary>
    /// d Focal / d z. With log p = -softplus(-z), dp/dz = p(1-p):
    /// y=1: (1-p)^g (g p log p - (1-p)); y=0: p^g (p - g (1-p) log(1-p)).
    /// </summary>
    internal static double FocalGradient(double z, int y, double gamma)
    {
        double p = 1 / (1 + Math.Exp(-z));
        return y == 1
            ? Math.Pow(1 - p, gamma) * (-gamma * p * Softplus(-z) - (1 - p))
            : Math.Pow(p, gamma) * (p + gamma * (1 - p) * Softplus(z));
    }

    /// <summary>The loss over all locations and dL/dz written to <paramref name="gradient"/>.</summary>
    internal static double Evaluate(ReadOnlySpan<float> logits, ReadOnlySpan<sbyte> labels, float tau, double gamma, Span<float> gradient)
    {
        int n = logits.Length;
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            double z = logits[i];
            float p = (float)(1 / (1 + Math.Exp(-z)));
            float w = Weight(p, labels[i], tau);
            if (w == 0)
            {
                gradient[i] = 0;
                continue;
            }
            loss += w * Focal(z, labels[i], gamma);
            gradient[i] = (float)(w * FocalGradient(z, labels[i], gamma) / n);
        }
        return loss / n;
    }
}
