using AnomalyEngine.Metrics;

namespace AnomalyEngine.Tests.Metrics;

public class MetricsHandExampleTests
{
    private static MetricSet Images(float[] scores, int[] labels) =>
        ImageMetrics.Compute(scores, labels.Select(l => l != 0).ToArray());

    [Fact]
    public void Four_scores_give_the_textbook_values()
    {
        // scikit-learn's documented example: roc_auc_score = 0.75, average_precision_score = 0.8333.
        var m = Images([0.1f, 0.4f, 0.35f, 0.8f], [0, 0, 1, 1]);
        Assert.Equal(0.75, m.Auroc.Value, 12);
        Assert.Equal(5.0 / 6.0, m.AveragePrecision.Value, 12);
        // Trapezoids from (R 0, P 1): (0.5)(1+1)/2 + 0 + (0.5)(1/2 + 2/3)/2 + 0.
        Assert.Equal(0.5 + 0.5 * (0.5 + 2.0 / 3.0) / 2, m.AuprTrapezoid.Value, 12);
        // F1 = 2TP/(TP+FP+P) at 0.8, 0.4, 0.35, 0.1: 2/3, 1/2, 4/5, 2/3.
        Assert.Equal(0.8, m.F1Max.Value, 12);
        Assert.Equal(0.35f, m.F1Threshold);
    }

    [Fact]
    public void Tied_scores_count_one_half_in_AUROC_and_move_together_in_AP()
    {
        // Pairs (positive, negative): (1, .5) 1, (1, 0) 1, (.5, .5) 1/2, (.5, 0) 1 -> 3.5 / 4.
        var m = Images([1f, 0.5f, 0.5f, 0f], [1, 1, 0, 0]);
        Assert.Equal(0.875, m.Auroc.Value, 12);
        // Thresholds 1 (R .5, P 1) and .5 (R 1, P 2/3): .5 * 1 + .5 * 2/3.
        Assert.Equal(0.5 + 1.0 / 3.0, m.AveragePrecision.Value, 12);
    }

    [Fact]
    public void All_scores_tied_give_chance_AUROC_and_the_base_rate_as_AP()
    {
        var m = Images([0.5f, 0.5f, 0.5f, 0.5f], [0, 1, 0, 1]);
        Assert.Equal(0.5, m.Auroc.Value, 12);
        Assert.Equal(0.5, m.AveragePrecision.Value, 12);
        Assert.Equal(2.0 / 3.0, m.F1Max.Value, 12);
        Assert.Equal(2, m.Roc.Count); // (0,0) and (1,1): one threshold only
    }

    [Fact]
    public void Only_normal_samples_leave_every_metric_undefined_with_a_reason()
    {
        var m = Images([0.1f, 0.7f, 0.3f], [0, 0, 0]);
        foreach (var v in new[] { m.Auroc, m.AveragePrecision, m.AuprTrapezoid, m.F1Max, m.Aupro })
        {
            Assert.False(v.IsDefined);
            Assert.True(double.IsNaN(v.Value));
            Assert.False(string.IsNullOrEmpty(v.Reason));
            Assert.Null(v.AsNullable);
        }
        Assert.Null(m.F1Threshold);
        Assert.Contains("no anomalous", m.Auroc.Reason);
    }

    [Fact]
    public void Only_anomalous_samples_leave_AUROC_undefined_but_AP_is_one()
    {
        var m = Images([0.1f, 0.7f, 0.3f], [1, 1, 1]);
        Assert.False(m.Auroc.IsDefined);
        Assert.Contains("no normal", m.Auroc.Reason);
        Assert.Equal(1.0, m.AveragePrecision.Value, 12); // precision is 1 at every threshold (scikit-learn agrees)
        Assert.Equal(1.0, m.F1Max.Value, 12);
    }

    [Fact]
    public void Image_scores_have_no_AUPRO()
    {
        var m = Images([0.1f, 0.7f], [0, 1]);
        Assert.False(m.Aupro.IsDefined);
        Assert.Equal(1.0, m.Auroc.Value);
    }

    [Fact]
    public void Diagonal_neighbours_form_one_region_and_AUPRO_integrates_to_the_limit()
    {
        // 4x4: anomalous (0,0) and (1,1) touch diagonally -> one region of 2; (3,3) is a second region.
        var mask = new byte[16];
        mask[0] = mask[5] = mask[15] = 255;
        var scores = Enumerable.Repeat(0.1f, 16).ToArray();
        scores[0] = scores[5] = 0.9f;
        scores[15] = 0.2f;
        scores[2] = 0.95f; // one of the 13 normal pixels scores highest
        var acc = new PixelMetricAccumulator();
        acc.Add(scores, mask, 4, 4);
        var m = acc.Compute();
        Assert.Equal(2, m.Regions);
        Assert.Equal(3, m.Positives);
        Assert.Equal(13, m.Negatives);
        // PRO curve: (1/13, 0), (1/13, 1/2), (1/13, 1), then (1, 1): area to 0.3 is (0.3 - 1/13) * 1.
        Assert.Equal((0.3 - 1.0 / 13) / 0.3, m.Aupro.Value, 12);
    }

    [Fact]
    public void AUPRO_interpolates_a_tied_step_that_crosses_the_limit()
    {
        // One anomalous pixel tied with 2 of 10 normal pixels at 0.5; 2 normals above it.
        // PRO goes (0, 0) -> (0.2, 0) -> (0.4, 1): at FPR 0.3 it is 0.5, area 0.1 * (0 + 0.5) / 2.
        float[] scores = [0.9f, 0.9f, 0.5f, 0.5f, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f];
        byte[] mask = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        var acc = new PixelMetricAccumulator();
        acc.Add(scores, mask, 11, 1);
        var m = acc.Compute();
        Assert.Equal(0.025 / 0.3, m.Aupro.Value, 12);
        Assert.Equal(0.3, m.Pro[^1].X, 12);
        Assert.Equal(0.5, m.Pro[^1].Y, 12);
        // A larger limit takes the whole step: (0.4 - 0.2)(0 + 1)/2 + (1 - 0.4) * 1 = 0.7.
        Assert.Equal(0.7, acc.Compute(new MetricOptions { ProFprLimit = 1.0 }).Aupro.Value, 12);
    }

    [Fact]
    public void A_mask_without_anomalies_in_every_image_leaves_AUPRO_undefined()
    {
        var acc = new PixelMetricAccumulator();
        acc.Add([0.1f, 0.2f, 0.3f, 0.4f], new byte[4], 2, 2);
        var m = acc.Compute();
        Assert.False(m.Aupro.IsDefined);
        Assert.False(m.Auroc.IsDefined);
        Assert.Equal(0, m.Regions);
    }

    [Fact]
    public void NaN_scores_are_rejected_with_a_numerical_error()
    {
        var acc = new PixelMetricAccumulator();
        Assert.Throws<NumericalException>(() => acc.Add([0.1f, float.NaN], new byte[2], 2, 1));
        Assert.Throws<NumericalException>(() => ImageMetrics.Compute([float.PositiveInfinity], [true]));
    }

    [Fact]
    public void A_map_of_the_wrong_size_is_rejected_with_a_message_that_says_so()
    {
        var acc = new PixelMetricAccumulator();
        var e = Assert.Throws<InvalidInputException>(() => acc.Add(new float[6], new byte[4], 2, 2));
        Assert.Contains("2x2", e.Message);
        Assert.Throws<InvalidInputException>(() => ImageMetrics.Compute([0.5f], [true, false]));
        Assert.Throws<InvalidOptionException>(() => ImageMetrics.Compute([0.5f, 0.1f], [true, false], new MetricOptions { ProFprLimit = 0 }));
    }

    [Fact]
    public void Adding_images_in_another_order_gives_identical_results()
    {
        var a = new PixelMetricAccumulator();
        var b = new PixelMetricAccumulator();
        float[] s1 = [0.3f, 0.9f, 0.2f, 0.2f], s2 = [0.5f, 0.1f, 0.7f, 0.2f, 0.9f, 0.4f];
        byte[] m1 = [0, 1, 0, 1], m2 = [1, 1, 0, 0, 0, 1];
        a.Add(s1, m1, 2, 2); a.Add(s2, m2, 3, 2);
        b.Add(s2, m2, 3, 2); b.Add(s1, m1, 2, 2);
        var (ma, mb) = (a.Compute(), b.Compute());
        Assert.Equal(ma.Auroc, mb.Auroc);
        Assert.Equal(ma.AveragePrecision, mb.AveragePrecision);
        Assert.Equal(ma.Aupro.Value, mb.Aupro.Value, 15);
        Assert.Equal(10, a.PixelCount);
        Assert.Equal(2, a.ImageCount);
    }
}
