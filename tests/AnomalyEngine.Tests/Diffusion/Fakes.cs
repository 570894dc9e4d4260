using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;

namespace AnomalyEngine.Tests.Diffusion;

/// <summary>One ILGPU CPU device for all diffusion tests (creating a context costs ~0.1 s).</summary>
public sealed class DeviceFixture : IDisposable
{
    public ComputeDevice Device { get; } = ComputeDevice.Create(DevicePreference.Cpu);
    public void Dispose() => Device.Dispose();
}

[CollectionDefinition("diffusion-device")]
public sealed class DiffusionDeviceCollection : ICollectionFixture<DeviceFixture>;

/// <summary>
/// The exact optimal noise predictor for x0 ~ N(mu(c), sigma^2) per element, mu(c) = mean of the
/// context row: E[eps | x_t] = s (x_t - r mu) / (r^2 sigma^2 + s^2) (the oracle bundle's unet, in C#).
/// Records every call.
/// </summary>
internal sealed class GaussianOracle(NoiseSchedule schedule, double sigma, bool velocity = false) : INoisePredictor
{
    public List<(float[] Latents, long[] Timesteps, float[] Contexts, int Rows)> Calls { get; } = new();

    public static (double A, double B) Coefficients(NoiseSchedule schedule, double sigma, int t)
    {
        double r = schedule.SignalScale(t), s = schedule.NoiseScale(t), v = r * r * sigma * sigma + s * s;
        return (s / v, r * s / v);
    }

    /// <summary>
    /// The DDIM (eta 0) recursion of this predictor in double, x_prev = (Cx + Cm A) x - Cm B mu_g, as
    /// x_final = Gain x_start + Offset for guided mean mu_g = mu_u + w (mu_c - mu_u).
    /// </summary>
    public static (double Gain, double Offset) DdimClosedForm(NoiseSchedule schedule, double sigma, int steps, double guidedMean)
    {
        var ddim = new DdimScheduler(schedule);
        var t = Timesteps.Leading(schedule.TrainSteps, steps);
        double gain = 1, offset = 0;
        for (int i = 0; i < steps; i++)
        {
            var c = ddim.Coefficients(t[i], i + 1 < steps ? t[i + 1] : DiffusionScheduler.Final);
            var (a, b) = Coefficients(schedule, sigma, t[i]);
            gain *= c.X + c.Model * a;
            offset = (c.X + c.Model * a) * offset - c.Model * b * guidedMean;
        }
        return (gain, offset);
    }

    public void Predict(float[] latents, long[] timesteps, float[] contexts, float[] output, int rows)
    {
        Calls.Add(((float[])latents.Clone(), (long[])timesteps.Clone(), (float[])contexts.Clone(), rows));
        int n = latents.Length / rows, td = contexts.Length / rows;
        for (int row = 0; row < rows; row++)
        {
            double mu = 0;
            for (int j = 0; j < td; j++) mu += contexts[row * td + j];
            mu /= td;
            int t = (int)timesteps[row];
            var (a, b) = Coefficients(schedule, sigma, t);
            double r = schedule.SignalScale(t), s = schedule.NoiseScale(t);
            for (int e = 0; e < n; e++)
            {
                double x = latents[row * n + e], eps = a * x - b * mu;
                // v = r eps - s x0 with x0 = (x - s eps) / r (Salimans and Ho 2022).
                output[row * n + e] = (float)(velocity ? r * eps - s * (x - s * eps) / r : eps);
            }
        }
    }
}

/// <summary>A linear autoencoder: 2x2 average pool then channel map ENC (3 → 4); decoder: channel map DEC (4 → 3) then nearest 2x upsample (the oracle bundle's).</summary>
internal sealed class PoolingAutoencoder(int imageSize) : IAutoencoder
{
    public static readonly float[,] Enc = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 }, { 1f / 3, 1f / 3, 1f / 3 } };
    public static readonly float[,] Dec = { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 } };

    public void Encode(float[] images, float[] latents, int batch)
    {
        int s = imageSize, h = s / 2;
        Span<float> pooled = stackalloc float[3];
        for (int b = 0; b < batch; b++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < h; x++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        int o = (b * 3 + c) * s * s;
                        pooled[c] = (images[o + 2 * y * s + 2 * x] + images[o + 2 * y * s + 2 * x + 1] + images[o + (2 * y + 1) * s + 2 * x] + images[o + (2 * y + 1) * s + 2 * x + 1]) / 4f;
                    }
                    for (int k = 0; k < 4; k++)
                        latents[((b * 4 + k) * h + y) * h + x] = Enc[k, 0] * pooled[0] + Enc[k, 1] * pooled[1] + Enc[k, 2] * pooled[2];
                }
    }

    public void Decode(float[] latents, float[] images, int batch)
    {
        int s = imageSize, h = s / 2;
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < s; y++)
                    for (int x = 0; x < s; x++)
                    {
                        float v = 0;
                        for (int k = 0; k < 4; k++) v += Dec[c, k] * latents[((b * 4 + k) * h + y / 2) * h + x / 2];
                        images[((b * 3 + c) * s + y) * s + x] = v;
                    }
    }
}

internal static class FakeModels
{
    public const int Tokens = 4, Width = 8;
    public static readonly NoiseSchedule Schedule = NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000);

    /// <summary>Pixel space, 3 x 16 x 16, with the Gaussian oracle (sigma 0.5) as the unet.</summary>
    public static DiffusionModel Pixel(GaussianOracle oracle, int size = 16, PredictionType prediction = PredictionType.Epsilon) =>
        new(size, 3, size, 1f, Tokens, Width, new float[Tokens * Width], Schedule, prediction, oracle, null);

    /// <summary>Latent space, image 16 → latent 4 x 8 x 8, scale 0.5, the pooling autoencoder.</summary>
    public static DiffusionModel Latent(GaussianOracle oracle) =>
        new(16, 4, 8, 0.5f, Tokens, Width, new float[Tokens * Width], Schedule, PredictionType.Epsilon, oracle, new PoolingAutoencoder(16));

    /// <summary>A conditioning whose mean is <paramref name="mean"/>.</summary>
    public static float[] Context(float mean) => Enumerable.Repeat(mean, Tokens * Width).ToArray();

    /// <summary>A smooth test image in [-1, 1], different per seed.</summary>
    public static float[] Image(int size, int seed)
    {
        var img = new float[3 * size * size];
        for (int i = 0; i < img.Length; i++)
            img[i] = MathF.Sin(0.37f * i + seed) * 0.8f;
        return img;
    }

    /// <summary>A pixel mask with the box [x0, x1) x [y0, y1) set.</summary>
    public static float[] Box(int size, int x0, int y0, int x1, int y1)
    {
        var m = new float[size * size];
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                m[y * size + x] = 1f;
        return m;
    }
}
