using System.Text.Json;
using AnomalyEngine.Diffusion;

namespace AnomalyEngine.Tests.Diffusion;

public class ScheduleTests
{
    // Numbers printed by `/usr/bin/python3 tools/schedule_reference.py` (torch float64), committed beside the tests.
    private static readonly JsonElement Reference = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "schedule-reference.json"))).RootElement;

    [Theory]
    [InlineData("linear", BetaSchedule.Linear)]
    [InlineData("scaled_linear", BetaSchedule.ScaledLinear)]
    [InlineData("squaredcos_cap_v2", BetaSchedule.SquaredCosCapV2)]
    public void Betas_and_cumulative_alphas_match_torch_float64(string name, BetaSchedule kind)
    {
        var schedule = NoiseSchedule.Create(kind, 1000, 0.00085, 0.012);
        var probe = Reference.GetProperty("probe").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expected = Reference.GetProperty("schedules").GetProperty(name);
        var betas = expected.GetProperty("betas").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var cumprod = expected.GetProperty("alphas_cumprod").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < probe.Length; i++)
        {
            Assert.Equal(betas[i], schedule.Betas[probe[i]], 1e-12);
            Assert.Equal(cumprod[i], schedule.AlphasCumprod[probe[i]], 1e-12);
        }
    }

    [Fact]
    public void Scaled_linear_betas_run_from_start_to_end_with_evenly_spaced_roots()
    {
        var s = NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000, 0.00085, 0.012);
        Assert.Equal(0.00085, s.Betas[0], 1e-15);
        Assert.Equal(0.012, s.Betas[999], 1e-15);
        double step = (Math.Sqrt(0.012) - Math.Sqrt(0.00085)) / 999;
        Assert.Equal(step, Math.Sqrt(s.Betas[500]) - Math.Sqrt(s.Betas[499]), 1e-14);
    }

    [Fact]
    public void Cumulative_alpha_is_the_running_product_of_one_minus_beta()
    {
        var s = NoiseSchedule.Create(BetaSchedule.Linear, 1000, 1e-4, 0.02);
        double product = 1;
        for (int t = 0; t <= 300; t++) product *= 1 - s.Betas[t];
        Assert.Equal(product, s.AlphasCumprod[300], 1e-15);
        Assert.Equal(1 - 1e-4, s.AlphasCumprod[0], 1e-15);
    }

    [Fact]
    public void Cosine_schedule_caps_betas_at_0_999()
    {
        var s = NoiseSchedule.Create(BetaSchedule.SquaredCosCapV2, 1000);
        Assert.Equal(0.999, s.Betas[999], 1e-15);
        Assert.True(s.Betas[998] < 0.999);
    }

    [Fact]
    public void Leading_spacing_with_offset_one_gives_981_down_to_1()
    {
        var expected = Reference.GetProperty("timesteps_50_of_1000").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var t = Timesteps.Leading(1000, 50, 1);
        Assert.Equal(expected, t);
        Assert.Equal(981, t[0]);
        Assert.Equal(961, t[1]);
        Assert.Equal(1, t[^1]);
        Assert.Equal(Reference.GetProperty("timesteps_7_of_1000").EnumerateArray().Select(e => e.GetInt32()).ToArray(), Timesteps.Leading(1000, 7, 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Leading_spacing_rejects_impossible_step_counts(int steps)
    {
        var e = Assert.Throws<InvalidOptionException>(() => Timesteps.Leading(1000, steps));
        Assert.Contains("1..1000", e.Message);
    }

    [Fact]
    public void Q_sample_matches_torch()
    {
        var s = NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000);
        foreach (var c in Reference.GetProperty("q_sample").EnumerateArray())
            Assert.Equal(c.GetProperty("value").GetDouble(), s.QSample(c.GetProperty("x0").GetDouble(), c.GetProperty("noise").GetDouble(), c.GetProperty("t").GetInt32()), 1e-12);
    }

    [Fact]
    public void Ddim_and_ddpm_steps_match_torch_for_both_predictions_and_every_eta()
    {
        var s = NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000);
        var steps = Reference.GetProperty("steps");
        double x = steps.GetProperty("sample").GetDouble(), m = steps.GetProperty("model").GetDouble(), z = steps.GetProperty("noise").GetDouble();
        int checkedCases = 0;
        foreach (var c in steps.GetProperty("cases").EnumerateArray())
        {
            var prediction = c.GetProperty("prediction").GetString() == "epsilon" ? PredictionType.Epsilon : PredictionType.VPrediction;
            int t = c.GetProperty("t").GetInt32(), prev = c.GetProperty("prev").GetInt32();
            DiffusionScheduler rule = c.GetProperty("rule").GetString() == "ddim"
                ? new DdimScheduler(s, prediction, c.GetProperty("eta").GetDouble())
                : new DdpmScheduler(s, prediction);
            Assert.Equal(c.GetProperty("value").GetDouble(), rule.Step(x, m, z, t, prev < 0 ? DiffusionScheduler.Final : prev), 1e-12);
            checkedCases++;
        }
        Assert.Equal(40, checkedCases);
    }

    [Theory]
    [InlineData(PredictionType.Epsilon)]
    [InlineData(PredictionType.VPrediction)]
    public void Deterministic_ddim_with_the_true_noise_lands_on_q_sample_of_the_same_data(PredictionType prediction)
    {
        // If x_t = sqrt(abar_t) x0 + sqrt(1-abar_t) eps and the model is exact, eta = 0 gives
        // x_prev = sqrt(abar_prev) x0 + sqrt(1-abar_prev) eps (Song et al. 2021, eq. 12).
        var s = NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000);
        var ddim = new DdimScheduler(s, prediction);
        double x0 = -0.37, eps = 0.81;
        int t = 741, prev = 721;
        double xt = s.QSample(x0, eps, t);
        double output = prediction == PredictionType.Epsilon ? eps : s.Velocity(x0, eps, t);
        Assert.Equal(s.QSample(x0, eps, prev), ddim.Step(xt, output, 123.0, t, prev), 1e-12);
    }

    [Fact]
    public void Ddpm_last_step_returns_the_predicted_clean_sample_without_noise()
    {
        var s = NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000);
        var ddpm = new DdpmScheduler(s);
        double x0 = 0.25, eps = -1.5;
        var c = ddpm.Coefficients(1, DiffusionScheduler.Final);
        Assert.Equal(0.0, c.Noise);
        Assert.Equal(x0, ddpm.Step(s.QSample(x0, eps, 1), eps, 9.0, 1, DiffusionScheduler.Final), 1e-12);
    }

    [Fact]
    public void Ddim_with_eta_one_has_the_ddpm_posterior_deviation()
    {
        var s = NoiseSchedule.Create(BetaSchedule.Linear, 1000, 1e-4, 0.02);
        var c = new DdimScheduler(s, eta: 1.0).Coefficients(500, 480);
        double at = s.AlphasCumprod[500], ap = s.AlphasCumprod[480];
        Assert.Equal(Math.Sqrt((1 - ap) / (1 - at) * (1 - at / ap)), c.Noise, 1e-14);
        Assert.Equal(c.Noise, new DdpmScheduler(s).Coefficients(500, 480).Noise, 1e-14);
    }
}
