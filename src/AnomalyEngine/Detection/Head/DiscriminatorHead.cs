using AnomalyEngine.Compute;

namespace AnomalyEngine.Detection.Head;

/// <summary>
/// The trainable head of detector B (SimpleNet, Liu et al. CVPR 2023; GLASS family), applied per
/// feature location: adaptor a = Wa x + ba (a 1x1 linear map), then the discriminator
/// z = w2 . LeakyReLU(W1 a + b1) + b2, anomaly probability p = sigmoid(z).
/// SimpleNet's batch normalisation in the discriminator is left out (inference is per image).
/// </summary>
internal sealed class DiscriminatorHead
{
    internal const float LeakySlope = 0.2f;

    internal DiscriminatorHead(int inputDim, int adaptorDim, int hiddenDim)
    {
        InputDim = inputDim;
        AdaptorDim = adaptorDim;
        HiddenDim = hiddenDim;
        AdaptorWeight = new float[adaptorDim * inputDim];
        AdaptorBias = new float[adaptorDim];
        HiddenWeight = new float[hiddenDim * adaptorDim];
        HiddenBias = new float[hiddenDim];
        OutputWeight = new float[hiddenDim];
        OutputBias = new float[1];
    }

    internal int InputDim { get; }
    internal int AdaptorDim { get; }
    internal int HiddenDim { get; }

    internal float[] AdaptorWeight { get; }
    internal float[] AdaptorBias { get; }
    internal float[] HiddenWeight { get; }
    internal float[] HiddenBias { get; }
    internal float[] OutputWeight { get; }
    internal float[] OutputBias { get; }

    internal IEnumerable<(string Name, float[] Values, int[] Shape)> Parameters =>
    [
        ("adaptor.weight", AdaptorWeight, [AdaptorDim, InputDim]),
        ("adaptor.bias", AdaptorBias, [AdaptorDim]),
        ("hidden.weight", HiddenWeight, [HiddenDim, AdaptorDim]),
        ("hidden.bias", HiddenBias, [HiddenDim]),
        ("output.weight", OutputWeight, [1, HiddenDim]),
        ("output.bias", OutputBias, [1]),
    ];

    /// <summary>Xavier-normal weights (std sqrt(2 / (fan_in + fan_out))) from Philox, zero biases.</summary>
    internal void Initialize(ulong seed)
    {
        uint stream = 0x48454144; // "HEAD"
        Fill(AdaptorWeight, InputDim, AdaptorDim, seed, stream, 0);
        Fill(HiddenWeight, AdaptorDim, HiddenDim, seed, stream, 1);
        Fill(OutputWeight, HiddenDim, 1, seed, stream, 2);
        Array.Clear(AdaptorBias);
        Array.Clear(HiddenBias);
        OutputBias[0] = 0;
    }

    private static void Fill(float[] w, int fanIn, int fanOut, ulong seed, uint stream, uint step)
    {
        float std = MathF.Sqrt(2f / (fanIn + fanOut));
        for (int i = 0; i < w.Length; i++)
            w[i] = std * Philox.Normal(seed, stream, step, (uint)i);
    }

    /// <summary>The forward pass's intermediate values, kept for the backward pass.</summary>
    internal sealed class Activations(int rows, int adaptorDim, int hiddenDim)
    {
        internal readonly float[] Adapted = new float[rows * adaptorDim];
        internal readonly float[] Hidden = new float[rows * hiddenDim]; // before the LeakyReLU
        internal readonly float[] Logits = new float[rows];
    }

    /// <summary>Logits for <paramref name="rows"/> feature vectors (rows x InputDim).</summary>
    internal Activations Forward(float[] x, int rows)
    {
        var act = new Activations(rows, AdaptorDim, HiddenDim);
        Parallel.For(0, rows, r =>
        {
            var xr = x.AsSpan(r * InputDim, InputDim);
            var a = act.Adapted.AsSpan(r * AdaptorDim, AdaptorDim);
            for (int o = 0; o < AdaptorDim; o++)
                a[o] = PatchFeatures.Dot(AdaptorWeight.AsSpan(o * InputDim, InputDim), xr) + AdaptorBias[o];
            var h = act.Hidden.AsSpan(r * HiddenDim, HiddenDim);
            float z = OutputBias[0];
            for (int o = 0; o < HiddenDim; o++)
            {
                float v = PatchFeatures.Dot(HiddenWeight.AsSpan(o * AdaptorDim, AdaptorDim), a) + HiddenBias[o];
                h[o] = v;
                z += OutputWeight[o] * (v > 0 ? v : LeakySlope * v);
            }
            act.Logits[r] = z;
        });
        return act;
    }

    /// <summary>Gradients of all parameters, in <see cref="Parameters"/> order.</summary>
    internal sealed class Gradients(DiscriminatorHead head)
    {
        internal readonly float[][] Values = head.Parameters.Select(p => new float[p.Values.Length]).ToArray();
    }

    /// <summary>
    /// Backward pass for dL/dz = <paramref name="dLogits"/>:
    /// dw2 = sum dz r, db2 = sum dz; dh = dz w2 * (h &gt; 0 ? 1 : slope); dW1 = dh a^T, db1 = sum dh;
    /// da = W1^T dh; dWa = da x^T, dba = sum da.
    /// </summary>
    internal Gradients Backward(float[] x, int rows, Activations act, float[] dLogits)
    {
        var grads = new Gradients(this);
        var dHidden = new float[rows * HiddenDim];
        var dAdapted = new float[rows * AdaptorDim];
        Parallel.For(0, rows, r =>
        {
            float dz = dLogits[r];
            if (dz == 0) return;
            var h = act.Hidden.AsSpan(r * HiddenDim, HiddenDim);
            var dh = dHidden.AsSpan(r * HiddenDim, HiddenDim);
            for (int o = 0; o < HiddenDim; o++)
                dh[o] = dz * OutputWeight[o] * (h[o] > 0 ? 1f : LeakySlope);
            var da = dAdapted.AsSpan(r * AdaptorDim, AdaptorDim);
            for (int o = 0; o < HiddenDim; o++)
                if (dh[o] != 0)
                    PatchFeatures.Axpy(dh[o], HiddenWeight.AsSpan(o * AdaptorDim, AdaptorDim), da);
        });

        var g = grads.Values;
        // Output layer: per hidden unit, a sum over rows.
        Parallel.For(0, HiddenDim, o =>
        {
            double sw = 0, sb = 0;
            for (int r = 0; r < rows; r++)
            {
                float dz = dLogits[r];
                if (dz == 0) continue;
                float v = act.Hidden[r * HiddenDim + o];
                sw += dz * (v > 0 ? v : LeakySlope * v);
                float dh = dHidden[r * HiddenDim + o];
                sb += dh;
                PatchFeatures.Axpy(dh, act.Adapted.AsSpan(r * AdaptorDim, AdaptorDim), g[2].AsSpan(o * AdaptorDim, AdaptorDim));
            }
            g[4][o] = (float)sw;
            g[3][o] = (float)sb;
        });
        double sz = 0;
        for (int r = 0; r < rows; r++) sz += dLogits[r];
        g[5][0] = (float)sz;
        Parallel.For(0, AdaptorDim, o =>
        {
            double sb = 0;
            for (int r = 0; r < rows; r++)
            {
                float da = dAdapted[r * AdaptorDim + o];
                if (da == 0) continue;
                sb += da;
                PatchFeatures.Axpy(da, x.AsSpan(r * InputDim, InputDim), g[0].AsSpan(o * InputDim, InputDim));
            }
            g[1][o] = (float)sb;
        });
        return grads;
    }
}
