using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Native;

public class SmallConvNetTests
{
    // Mirrors conv_weight / conv_bias in tools/make_fixtures.py.
    private static float Weight(int layer, int o, int i, int ky, int kx) =>
        (float)(0.3 * Math.Sin(1.0 + 0.7 * o + 1.3 * i + 0.5 * ky - 0.9 * kx + 2.1 * layer));

    private static float Bias(int layer, int o) => (float)(0.05 * (o - 2) + 0.1 * layer);

    // Direct cross-correlation (ONNX Conv): out[o,y,x] = b[o] + sum_{i,ky,kx} w[o,i,ky,kx] in[i, y+ky-pad, x+kx-pad].
    private static float[] Conv(float[] input, int cin, int h, int w, int cout, int layer, int pad, out int oh, out int ow)
    {
        oh = h + 2 * pad - 2;
        ow = w + 2 * pad - 2;
        var output = new float[cout * oh * ow];
        for (int o = 0; o < cout; o++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                {
                    double sum = Bias(layer, o);
                    for (int i = 0; i < cin; i++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++)
                            {
                                int sy = y + ky - pad, sx = x + kx - pad;
                                if (sy >= 0 && sy < h && sx >= 0 && sx < w)
                                    sum += Weight(layer, o, i, ky, kx) * input[(i * h + sy) * w + sx];
                            }
                    output[(o * oh + y) * ow + x] = (float)sum;
                }
        return output;
    }

    [Fact]
    public void Small_conv_net_matches_a_direct_convolution()
    {
        const int C = 3, H = 32, W = 32;
        var x = new float[C * H * W];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)Math.Cos(0.37 * i) * (1 + i % 5) * 0.5f;

        var hidden = Conv(x, C, H, W, 8, layer: 0, pad: 1, out int h1, out int w1);
        for (int i = 0; i < hidden.Length; i++)
            hidden[i] = Math.Max(0, hidden[i]);
        var expected = Conv(hidden, 8, h1, w1, 4, layer: 1, pad: 0, out int h2, out int w2);
        Assert.Equal((30, 30), (h2, w2));

        using var session = GraphSession.Open(Fixture.SmallConv);
        Assert.Equal([1L, 4L, 30L, 30L], session.Outputs[0].Shape);
        var y = new float[4 * 30 * 30];
        session.Run([HostTensor.Float("x", x, 1, C, H, W)], [HostTensor.Float("y", y, 1, 4, 30, 30)]);
        double maxError = 0;
        for (int i = 0; i < y.Length; i++)
            maxError = Math.Max(maxError, Math.Abs(y[i] - expected[i]) / (1 + Math.Abs(expected[i])));
        Assert.True(maxError < 1e-4, $"max relative error {maxError}");
        Assert.Contains(y, v => v < -0.1f); // the output is signed: the relu sits between the convolutions
    }
}
