using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Diffusion;

/// <summary>The committed oracle bundle's ONNX graphs through the native runtime, against their closed forms.</summary>
[Collection("diffusion-device")]
public class OracleBundleTests(DeviceFixture fixture)
{
    private static float[] Noise(int count, int seed) => Enumerable.Range(0, count).Select(i => MathF.Sin(12.9898f * i + seed) * 1.3f).ToArray();

    [Fact]
    public void Unet_graph_is_the_optimal_noise_predictor_of_the_gaussian_data()
    {
        var bundle = ModelBundle.Open(OracleBundle.Directory);
        using var graphs = BundleGraphs.Open(bundle);
        const int rows = 3;
        var latents = Noise(rows * 256, 1);
        long[] timesteps = [981, 500, 1];
        var contexts = Noise(rows * 32, 2);
        var output = new float[rows * 256];
        graphs.Unet.Run(
            [HostTensor.Float("latent", latents, rows, 4, 8, 8), HostTensor.Int64("timestep", timesteps, rows), HostTensor.Float("context", contexts, rows, 4, 8)],
            [HostTensor.Float("noise", output, rows, 4, 8, 8)]);
        var expected = new float[rows * 256];
        new GaussianOracle(bundle.CreateSchedule(), OracleBundle.Sigma).Predict(latents, timesteps, contexts, expected, rows);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], output[i], 1e-5f * (1 + Math.Abs(expected[i])));
    }

    [Fact]
    public void Unet_grad_graph_is_the_vector_jacobian_product_with_respect_to_the_context()
    {
        var bundle = ModelBundle.Open(OracleBundle.Directory);
        using var graphs = BundleGraphs.Open(bundle);
        Assert.NotNull(graphs.UnetGrad);
        const int rows = 2;
        var latents = Noise(rows * 256, 3);
        long[] timesteps = [700, 41];
        var contexts = Noise(rows * 32, 4);
        var gradOutput = Noise(rows * 256, 5);
        var grad = new float[rows * 32];
        graphs.UnetGrad!.Run(
            [HostTensor.Float("latent", latents, rows, 4, 8, 8), HostTensor.Int64("timestep", timesteps, rows), HostTensor.Float("context", contexts, rows, 4, 8), HostTensor.Float("grad_output", gradOutput, rows, 4, 8, 8)],
            [HostTensor.Float("grad_context", grad, rows, 4, 8)]);
        // noise = A x - B mean(c): d(g . noise)/dc_j = -B sum(g) / (T D) for every j.
        var schedule = bundle.CreateSchedule();
        for (int b = 0; b < rows; b++)
        {
            var (_, bt) = GaussianOracle.Coefficients(schedule, OracleBundle.Sigma, (int)timesteps[b]);
            double sum = gradOutput.AsSpan(b * 256, 256).ToArray().Sum(v => (double)v);
            for (int j = 0; j < 32; j++)
                Assert.Equal(-bt * sum / 32, grad[b * 32 + j], 1e-4);
        }
    }

    [Fact]
    public void Unet_loss_grad_graph_is_the_weighted_squared_error_and_its_context_gradient()
    {
        var bundle = ModelBundle.Open(OracleBundle.Directory);
        using var graphs = BundleGraphs.Open(bundle);
        Assert.NotNull(graphs.UnetLossGrad);
        const int rows = 3;
        var latents = Noise(rows * 256, 6);
        long[] timesteps = [999, 250, 3];
        var contexts = Noise(rows * 32, 7);
        var target = Noise(rows * 256, 8);
        var weight = Noise(rows * 256, 9).Select(v => v > 0 ? v * v : 0f).ToArray();
        var loss = new float[rows];
        var grad = new float[rows * 32];
        graphs.UnetLossGrad!.Run(
            [HostTensor.Float("latent", latents, rows, 4, 8, 8), HostTensor.Int64("timestep", timesteps, rows), HostTensor.Float("context", contexts, rows, 4, 8),
             HostTensor.Float("target", target, rows, 4, 8, 8), HostTensor.Float("weight", weight, rows, 4, 8, 8)],
            [HostTensor.Float("loss", loss, rows), HostTensor.Float("grad_context", grad, rows, 4, 8)]);
        // loss_b = sum w (A x - B mu(c) - y)^2; d(sum_b loss_b)/dc_j = -B sum(2 w (noise - y)) / (T D) for every j of row b.
        var schedule = bundle.CreateSchedule();
        for (int b = 0; b < rows; b++)
        {
            var (at, bt) = GaussianOracle.Coefficients(schedule, OracleBundle.Sigma, (int)timesteps[b]);
            double mu = contexts.AsSpan(b * 32, 32).ToArray().Average(v => (double)v);
            double sum = 0, cotangent = 0;
            for (int i = b * 256; i < (b + 1) * 256; i++)
            {
                double diff = at * latents[i] - bt * mu - target[i];
                sum += weight[i] * diff * diff;
                cotangent += 2 * weight[i] * diff;
            }
            Assert.Equal(sum, loss[b], 1e-5 * (1 + sum));
            for (int j = 0; j < 32; j++)
                Assert.Equal(-bt * cotangent / 32, grad[b * 32 + j], 1e-4);
        }
    }

    [Fact]
    public void Autoencoder_graphs_pool_and_upsample_as_the_script_documents()
    {
        var bundle = ModelBundle.Open(OracleBundle.Directory);
        using var graphs = BundleGraphs.Open(bundle);
        var model = graphs.Model();
        var images = Noise(2 * 768, 6);
        var latents = new float[2 * 256];
        var expectedLatents = new float[2 * 256];
        model.Autoencoder!.Encode(images, latents, 2);
        new PoolingAutoencoder(16).Encode(images, expectedLatents, 2);
        for (int i = 0; i < latents.Length; i++)
            Assert.Equal(expectedLatents[i], latents[i], 1e-6f);
        var decoded = new float[2 * 768];
        var expectedImages = new float[2 * 768];
        model.Autoencoder.Decode(latents, decoded, 2);
        new PoolingAutoencoder(16).Decode(latents, expectedImages, 2);
        for (int i = 0; i < decoded.Length; i++)
            Assert.Equal(expectedImages[i], decoded[i], 1e-6f);
    }

    [Fact]
    public void Sampler_on_the_oracle_bundle_matches_the_managed_oracle_with_masks_guidance_and_paste_back()
    {
        var bundle = ModelBundle.Open(OracleBundle.Directory);
        using var graphs = BundleGraphs.Open(bundle);
        var options = new SamplerOptions { Steps = 20, Seed = 5, GuidanceScale = 10f, FeatherPixels = 1 };
        var conditioning = bundle.Conditioning(bundle.InitialEmbedding);
        var requests = Enumerable.Range(0, 3).Select(i => new SampleRequest(FakeModels.Image(16, i), FakeModels.Box(16, 2 + i, 3, 13, 12), conditioning, (uint)i)).ToArray();
        var onnx = new GuidedBlendSampler(graphs, fixture.Device, options).Sample(requests);
        var managed = new GuidedBlendSampler(FakeModels.Latent(new GaussianOracle(bundle.CreateSchedule(), OracleBundle.Sigma)), fixture.Device, options).Sample(requests);
        for (int b = 0; b < 3; b++)
        {
            for (int i = 0; i < 256; i++)
                Assert.Equal(managed[b].Latent[i], onnx[b].Latent[i], 2e-4f);
            for (int i = 0; i < 768; i++)
            {
                Assert.Equal(managed[b].Image[i], onnx[b].Image[i], 2e-4f);
                if (requests[b].Mask![i % 256] == 0)
                    Assert.Equal(requests[b].Image[i], onnx[b].Image[i]); // outside the box: exactly the original pixel
            }
        }
    }

    [Fact]
    public void Ddim_on_the_oracle_bundle_reaches_the_guided_mean_and_the_predicted_variance()
    {
        var bundle = ModelBundle.Open(OracleBundle.Directory);
        using var graphs = BundleGraphs.Open(bundle);
        const float w = 4f;
        var options = new SamplerOptions { Steps = 50, Seed = 8, GuidanceScale = w, PasteBack = false };
        var conditioning = bundle.Conditioning(bundle.InitialEmbedding);
        var requests = Enumerable.Range(0, 16).Select(i => new SampleRequest(FakeModels.Image(16, i), null, conditioning, (uint)i)).ToArray();
        var x = new GuidedBlendSampler(graphs, fixture.Device, options).Sample(requests).SelectMany(r => r.Latent).Select(v => (double)v).ToArray();
        double muC = conditioning.Average(v => (double)v), muU = bundle.Unconditional.Average(v => (double)v);
        var (gain, offset) = GaussianOracle.DdimClosedForm(bundle.CreateSchedule(), OracleBundle.Sigma, 50, muU + w * (muC - muU));
        int n = x.Length; // 16 x 256 = 4096
        double mean = x.Average(), variance = x.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        // 5 standard errors: mean gain / sqrt(n), variance gain^2 sqrt(2 / (n - 1)).
        Assert.Equal(offset, mean, 5 * gain / Math.Sqrt(n));
        Assert.Equal(gain * gain, variance, 5 * gain * gain * Math.Sqrt(2.0 / (n - 1)));
    }

    [Fact]
    public void A_bundle_whose_manifest_disagrees_with_its_unet_is_rejected_when_opened()
    {
        var dir = OracleBundle.CopyWith(m => m["conditioning"]!["width"] = 16);
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "template.f32"), new byte[4 * 4 * 16]);
            File.WriteAllBytes(Path.Combine(dir, "unconditional.f32"), new byte[4 * 4 * 16]);
            File.WriteAllBytes(Path.Combine(dir, "initial_embedding.f32"), new byte[4 * 16]);
            File.WriteAllBytes(Path.Combine(dir, "vocabulary.f32"), new byte[4 * 3 * 16]);
            var bundle = ModelBundle.Open(dir);
            var e = Assert.Throws<ModelException>(() => BundleGraphs.Open(bundle));
            Assert.Contains("context", e.Message);
            Assert.Contains("[-1,4,16]", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_loss_gradient_graph_with_the_wrong_inputs_is_rejected_when_opened()
    {
        // unet_loss_grad pointing at the unet_grad graph: it has grad_output, not target and weight.
        var dir = OracleBundle.CopyWith(m => m["components"]!["unet_loss_grad"]!["onnx"] = "unet_grad.onnx");
        try
        {
            var e = Assert.Throws<ModelException>(() => BundleGraphs.Open(ModelBundle.Open(dir)));
            Assert.Contains("no input 'target'", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
