using System.Runtime.InteropServices;
using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;

namespace AnomalyEngine.Tests.Diffusion;

[Collection("diffusion-device")]
public class GuidedBlendSamplerTests(DeviceFixture fixture)
{
    private const double Sigma = 0.5;
    private readonly ComputeDevice _device = fixture.Device;

    private static NoiseSchedule Schedule => FakeModels.Schedule;

    private GuidedBlendSampler Sampler(DiffusionModel model, SamplerOptions options) => new(model, _device, options);

    private static SampleRequest Request(int size, uint item, float mean = 0.1f, float[]? mask = null) =>
        new(FakeModels.Image(size, (int)item), mask, FakeModels.Context(mean), item);

    [Fact]
    public void Outside_the_mask_the_predictor_sees_the_reference_renoised_to_each_timestep()
    {
        var oracle = new GaussianOracle(Schedule, Sigma);
        var options = new SamplerOptions { Steps = 10, Seed = 7, PasteBack = false };
        var mask = FakeModels.Box(16, 3, 4, 11, 9);
        var requests = new[] { Request(16, 5, mask: mask), Request(16, 9, mask: mask) };
        Sampler(FakeModels.Pixel(oracle), options).Sample(requests);

        var timesteps = Timesteps.Leading(1000, 10);
        Assert.Equal(10, oracle.Calls.Count);
        int n = 3 * 16 * 16, outsideChecked = 0;
        for (int i = 0; i < 10; i++)
        {
            var call = oracle.Calls[i];
            Assert.Equal(4, call.Rows); // conditional and unconditional rows in one call
            Assert.All(call.Timesteps, t => Assert.Equal(timesteps[i], t));
            float a = (float)Schedule.SignalScale(timesteps[i]), s = (float)Schedule.NoiseScale(timesteps[i]);
            for (int b = 0; b < 2; b++)
            {
                Assert.Equal(call.Latents.AsSpan(b * n, n).ToArray(), call.Latents.AsSpan((2 + b) * n, n).ToArray());
                Assert.Equal(requests[b].Conditioning, call.Contexts.AsSpan(b * 32, 32).ToArray());
                Assert.All(call.Contexts.AsSpan((2 + b) * 32, 32).ToArray(), v => Assert.Equal(0f, v));
                for (int e = 0; e < n; e++)
                {
                    if (mask[e % 256] != 0) continue;
                    float expected = a * requests[b].Image[e] + s * Philox.Normal(7, requests[b].Item, (uint)(4 * i + 1), (uint)e);
                    Assert.Equal(expected, call.Latents[b * n + e]);
                    outsideChecked++;
                }
            }
        }
        Assert.Equal(10 * 2 * 3 * (256 - 8 * 5), outsideChecked);
    }

    [Fact]
    public void The_last_step_is_not_reblended()
    {
        var oracle = new GaussianOracle(Schedule, Sigma);
        var options = new SamplerOptions { Steps = 5, Seed = 3, GuidanceScale = 4f, PasteBack = false };
        var mask = FakeModels.Box(16, 0, 0, 8, 16);
        var result = Sampler(FakeModels.Pixel(oracle), options).Sample([Request(16, 1, mask: mask)])[0];

        // x_final = Cx x + Cm (u + w (c - u)) from the last predictor input, in the kernel's float operations.
        var last = oracle.Calls[^1];
        var output = new float[last.Latents.Length];
        oracle.Predict(last.Latents, last.Timesteps, last.Contexts, output, last.Rows);
        var c = new DdimScheduler(Schedule).Coefficients(1, DiffusionScheduler.Final);
        int n = 768;
        for (int e = 0; e < n; e++)
        {
            float u = output[n + e], cond = output[e];
            float expected = (float)c.X * last.Latents[e] + (float)c.Model * (u + 4f * (cond - u));
            Assert.Equal(expected, result.Latent[e]);
        }
    }

    [Fact]
    public void Ddim_with_the_exact_predictor_follows_the_closed_form_recursion_elementwise()
    {
        var oracle = new GaussianOracle(Schedule, Sigma);
        var options = new SamplerOptions { Steps = 50, Seed = 11, GuidanceScale = 3f, PasteBack = false };
        var result = Sampler(FakeModels.Pixel(oracle), options).Sample([Request(16, 2, mean: 0.1f)])[0];
        // mu_g = mu_u + w (mu_c - mu_u) = 0 + 3 (0.1 - 0)
        var (gain, offset) = GaussianOracle.DdimClosedForm(Schedule, Sigma, 50, 3 * (double)0.1f);
        for (uint e = 0; e < 768; e++)
        {
            double x0 = Philox.Normal(11, 2, 0, e); // strength 1 starts from the initial noise of step 0
            Assert.Equal(gain * x0 + offset, result.Latent[e], 2e-5);
        }
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.Ddpm)]
    public void A_v_prediction_model_samples_the_same_as_the_epsilon_model_it_is_equivalent_to(SchedulerKind kind)
    {
        var options = new SamplerOptions { Steps = 25, Seed = 31, GuidanceScale = 5f, Scheduler = kind, PasteBack = false };
        var requests = new[] { Request(16, 7, 0.1f, FakeModels.Box(16, 3, 3, 12, 12)) };
        var eps = Sampler(FakeModels.Pixel(new GaussianOracle(Schedule, Sigma)), options).Sample(requests)[0];
        var v = Sampler(FakeModels.Pixel(new GaussianOracle(Schedule, Sigma, velocity: true), prediction: PredictionType.VPrediction), options).Sample(requests)[0];
        for (int e = 0; e < 768; e++)
            Assert.Equal(eps.Latent[e], v.Latent[e], 1e-4f);
    }

    [Fact]
    public void Ddim_maps_noise_to_samples_with_the_predicted_mean_and_variance()
    {
        var oracle = new GaussianOracle(Schedule, Sigma);
        var options = new SamplerOptions { Steps = 50, Seed = 5, GuidanceScale = 1f, PasteBack = false };
        var requests = Enumerable.Range(0, 8).Select(i => Request(32, (uint)i, mean: 0.2f)).ToArray();
        var results = Sampler(FakeModels.Pixel(oracle, 32), options).Sample(requests);
        var x = results.SelectMany(r => r.Latent).Select(v => (double)v).ToArray();
        int count = x.Length; // 8 x 3 x 32 x 32 = 24576
        double mean = x.Average(), variance = x.Select(v => (v - mean) * (v - mean)).Sum() / (count - 1);

        var (gain, offset) = GaussianOracle.DdimClosedForm(Schedule, Sigma, 50, (double)0.2f);
        // Sampling tolerances, 5 standard errors: mean sd/sqrt(N); variance sd^2 sqrt(2/(N-1)).
        Assert.Equal(offset, mean, 5 * gain / Math.Sqrt(count));
        Assert.Equal(gain * gain, variance, 5 * gain * gain * Math.Sqrt(2.0 / (count - 1)));
        // The closed form is near the data distribution N(sqrt(abar_0) mu, sigma^2) but below it: each
        // DDIM step's gain (r_p r_t sigma^2 + s_p s_t) / V_t is at most sqrt(V_p / V_t) (Cauchy-Schwarz),
        // so 50 steps shrink the deviation (here to 0.479 of 0.5).
        Assert.InRange(gain, 0.95 * Sigma, Sigma);
        // The mean lands 4% short of sqrt(abar_0) mu: pure noise at t = 981 lacks the r_981 mu it should carry.
        Assert.InRange(offset, 0.95 * Math.Sqrt(Schedule.AlphasCumprod[0]) * 0.2f, Math.Sqrt(Schedule.AlphasCumprod[0]) * 0.2f);
        Assert.Equal(1, oracle.Calls[0].Rows / 8); // guidance 1: no unconditional rows
    }

    [Fact]
    public void Guidance_moves_every_element_by_the_guided_mean_shift()
    {
        float mu = 0.05f;
        var plain = Sampler(FakeModels.Pixel(new GaussianOracle(Schedule, Sigma)), new SamplerOptions { Steps = 20, Seed = 9, GuidanceScale = 1f, PasteBack = false }).Sample([Request(16, 4, mu)])[0];
        var guided = Sampler(FakeModels.Pixel(new GaussianOracle(Schedule, Sigma)), new SamplerOptions { Steps = 20, Seed = 9, GuidanceScale = 7.5f, PasteBack = false }).Sample([Request(16, 4, mu)])[0];
        // Same noise, linear dynamics: the difference is offset(mu_g) - offset(mu_c), mu_g = 0 + 7.5 (mu_c - 0).
        double shift = GaussianOracle.DdimClosedForm(Schedule, Sigma, 20, 7.5 * mu).Offset - GaussianOracle.DdimClosedForm(Schedule, Sigma, 20, mu).Offset;
        Assert.True(shift > 0.2, $"shift {shift}");
        for (int e = 0; e < 768; e++)
            Assert.Equal(shift, guided.Latent[e] - plain.Latent[e], 2e-5);
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim, 0.0)]
    [InlineData(SchedulerKind.Ddim, 0.7)]
    [InlineData(SchedulerKind.Ddpm, 0.0)]
    public void A_batch_of_eight_gives_the_same_bytes_as_each_item_alone(SchedulerKind kind, double eta)
    {
        var options = new SamplerOptions { Steps = 8, Seed = 21, Scheduler = kind, Eta = eta, FeatherPixels = 1 };
        var requests = Enumerable.Range(0, 8).Select(i => Request(16, (uint)(100 + i), 0.05f * i, FakeModels.Box(16, i, 2, i + 6, 10))).ToArray();
        var together = Sampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), options).Sample(requests);
        for (int i = 0; i < 8; i++)
        {
            var alone = Sampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), options).Sample([requests[i]])[0];
            Assert.True(MemoryMarshal.AsBytes(alone.Image.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(together[i].Image.AsSpan())), $"image {i}");
            Assert.True(MemoryMarshal.AsBytes(alone.Latent.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(together[i].Latent.AsSpan())), $"latent {i}");
        }
    }

    [Theory]
    [InlineData(SchedulerKind.Ddpm, 1.0)]
    [InlineData(SchedulerKind.Ddim, 0.6)]
    public void Host_loops_give_the_same_bytes_as_the_ilgpu_kernels(SchedulerKind kind, double strength)
    {
        var options = new SamplerOptions { Steps = 6, Seed = 17, Scheduler = kind, Eta = 0.3, Strength = strength, GuidanceScale = 6f };
        var requests = Enumerable.Range(0, 3).Select(i => Request(16, (uint)(40 + i), 0.1f * i, FakeModels.Box(16, 2 + i, 3, 12, 11))).ToArray();
        var loops = new GuidedBlendSampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), _device, options, hostLoops: true);
        var kernels = new GuidedBlendSampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), _device, options, hostLoops: false);
        Assert.True(loops.Kernels.HostLoops);
        Assert.False(kernels.Kernels.HostLoops);
        var a = loops.Sample(requests);
        var b = kernels.Sample(requests);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(MemoryMarshal.AsBytes(a[i].Latent.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b[i].Latent.AsSpan())), $"latent {i}");
            Assert.True(MemoryMarshal.AsBytes(a[i].Image.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b[i].Image.AsSpan())), $"image {i}");
        }
    }

    [Fact]
    public void A_resumed_run_produces_the_same_bytes_as_an_uninterrupted_one()
    {
        var options = new SamplerOptions { Steps = 6, Seed = 99, Scheduler = SchedulerKind.Ddpm };
        var requests = Enumerable.Range(0, 6).Select(i => Request(16, (uint)i, 0.1f, FakeModels.Box(16, 2, 2, 12, 12))).ToArray();
        var uninterrupted = Sampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), options).Sample(requests);
        // Interrupted after item 3: a new process resumes with items 4 and 5 in a batch of their own.
        var resumed = Sampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), options).Sample(requests[4..]);
        Assert.Equal(uninterrupted[4].Image, resumed[0].Image);
        Assert.Equal(uninterrupted[5].Latent, resumed[1].Latent);
        Assert.NotEqual(uninterrupted[4].Latent, uninterrupted[5].Latent);
    }

    [Fact]
    public void Paste_back_keeps_every_pixel_outside_the_mask_and_feathers_inside_the_edge()
    {
        var mask = FakeModels.Box(16, 4, 4, 12, 12);
        var request = Request(16, 3, 0.1f, mask);
        var options = new SamplerOptions { Steps = 5, Seed = 1, FeatherPixels = 2 };
        var result = Sampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), options).Sample([request])[0];
        var decoded = new float[768];
        new PoolingAutoencoder(16).Decode(result.Latent.Select(v => v / 0.5f).ToArray(), decoded, 1);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                {
                    int k = (c * 16 + y) * 16 + x;
                    bool inside = x >= 4 && x < 12 && y >= 4 && y < 12;
                    int depth = Math.Min(Math.Min(x - 4, 11 - x), Math.Min(y - 4, 11 - y)); // 0 on the edge row
                    if (!inside)
                        Assert.Equal(request.Image[k], result.Image[k]);
                    else if (depth >= 2)
                        Assert.Equal(decoded[k], result.Image[k]);
                    else if (x >= 6 && x < 10)
                    {
                        // Straight edge (only y is near it): the window holds (3 + depth) of 5 rows inside, w = 2 (3 + depth) / 5 - 1.
                        float w = 2f * (3 + depth) / 5f - 1f;
                        Assert.Equal(request.Image[k] * (1 - w) + decoded[k] * w, result.Image[k], 1e-6f);
                    }
                }
    }

    [Fact]
    public void A_latent_mask_and_the_pixel_mask_it_samples_to_give_identical_results()
    {
        var options = new SamplerOptions { Steps = 5, Seed = 4, FeatherPixels = 0 };
        var pixel = Request(16, 8, 0.1f, FakeModels.Box(16, 4, 6, 12, 14));
        var latentMask = FakeModels.Box(8, 2, 3, 6, 7); // nearest: latent (y, x) samples pixel (2y, 2x)
        var latent = pixel with { Mask = latentMask };
        var a = Sampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), options).Sample([pixel])[0];
        var b = Sampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), options).Sample([latent])[0];
        Assert.Equal(a.Latent, b.Latent);
        Assert.Equal(a.Image, b.Image);
    }

    [Fact]
    public void Strength_below_one_starts_from_the_reference_renoised_to_the_first_timestep_run()
    {
        var oracle = new GaussianOracle(Schedule, Sigma);
        var options = new SamplerOptions { Steps = 10, Strength = 0.5, Seed = 12, PasteBack = false, GuidanceScale = 1f };
        var request = Request(16, 6, 0.1f); // no mask: the whole image is regenerated
        var sampler = Sampler(FakeModels.Pixel(oracle), options);
        sampler.Sample([request]);
        Assert.Equal(Timesteps.Leading(1000, 10)[5..], sampler.Timesteps.ToArray());
        Assert.Equal(5, oracle.Calls.Count);
        int t = (int)oracle.Calls[0].Timesteps[0];
        Assert.Equal(401, t); // 10 of 1000: 901, 801, ..., 1; steps 5..9 run
        float a = (float)Schedule.SignalScale(t), s = (float)Schedule.NoiseScale(t);
        for (uint e = 0; e < 768; e++)
            Assert.Equal(a * request.Image[e] + s * Philox.Normal(12, 6, 5 * 4, e), oracle.Calls[0].Latents[e]);
    }

    [Fact]
    public void Requests_of_the_wrong_size_are_rejected_with_the_expected_sizes()
    {
        var sampler = Sampler(FakeModels.Latent(new GaussianOracle(Schedule, Sigma)), new SamplerOptions { Steps = 2 });
        var e = Assert.Throws<InvalidInputException>(() => sampler.Sample([Request(16, 0, mask: new float[100])]));
        Assert.Contains("16 x 16 (pixels) or 8 x 8 (latent)", e.Message);
        Assert.Throws<InvalidInputException>(() => sampler.Sample([Request(16, 0) with { Conditioning = new float[5] }]));
        Assert.Throws<InvalidOptionException>(() => Sampler(FakeModels.Pixel(new GaussianOracle(Schedule, Sigma)), new SamplerOptions { Strength = 0.01 }));
    }
}
