namespace AnomalyEngine.Detection.Head;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, ICLR 2019; as torch.optim.AdamW): m = b1 m + (1-b1) g,
/// v = b2 v + (1-b2) g^2, theta -= lr (m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps) + wd theta),
/// the decay applied before the Adam step as torch does (theta *= 1 - lr wd).
/// </summary>
internal sealed class AdamW(float learningRate, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
{
    private readonly Dictionary<float[], (float[] M, float[] V)> _state = new(ReferenceEqualityComparer.Instance);
    private int _step;

    internal float LearningRate { get; set; } = learningRate;

    internal void BeginStep() => _step++;

    internal void Update(float[] parameters, float[] gradient)
    {
        if (_step == 0)
            throw new InvalidOperationException("Call BeginStep before Update.");
        if (!_state.TryGetValue(parameters, out var s))
            _state[parameters] = s = (new float[parameters.Length], new float[parameters.Length]);
        double c1 = 1 - Math.Pow(beta1, _step), c2 = 1 - Math.Pow(beta2, _step);
        float lr = LearningRate, decay = 1 - LearningRate * weightDecay;
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradient[i];
            s.M[i] = beta1 * s.M[i] + (1 - beta1) * g;
            s.V[i] = beta2 * s.V[i] + (1 - beta2) * g * g;
            double mHat = s.M[i] / c1, vHat = s.V[i] / c2;
            parameters[i] = (float)(parameters[i] * decay - lr * mHat / (Math.Sqrt(vHat) + epsilon));
        }
    }
}
