using System.Text.Json;
using AnomalyEngine.Compute;
using AnomalyEngine.Embedding;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Tests.Embedding;

public class AdamWTests
{
    private sealed record Reference(double lr, double beta1, double beta2, double eps, double weight_decay, double[] initial, double[][] @params);

    [Fact]
    public void AdamW_kernel_follows_torch_AdamW()
    {
        var r = JsonSerializer.Deserialize<Reference>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "embedding", "adamw.json")))!;
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var options = new AdamWOptions { LearningRate = r.lr, Beta1 = r.beta1, Beta2 = r.beta2, Epsilon = r.eps, WeightDecay = r.weight_decay };
        using var adam = new AdamW(device, options, r.initial.Length);
        using var p = device.Accelerator.Allocate1D(r.initial.Select(v => (float)v).ToArray());
        using var g = device.Accelerator.Allocate1D<float>(r.initial.Length);
        for (int step = 1; step <= r.@params.Length; step++)
        {
            // The gradient formula of tools/adamw_reference.py.
            g.CopyFromCPU(Enumerable.Range(0, r.initial.Length).Select(i => (float)(Math.Sin(step + i) * (i + 1))).ToArray());
            adam.Step(p.View, g.View);
            var got = p.GetAsArray1D();
            for (int i = 0; i < got.Length; i++)
                Assert.Equal(r.@params[step - 1][i], got[i], 5e-6);
        }
        Assert.Equal(r.@params.Length, adam.Steps);
    }

    [Fact]
    public void AdamW_refuses_a_non_positive_learning_rate()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        Assert.Throws<InvalidOptionException>(() => new AdamW(device, new AdamWOptions { LearningRate = 0 }, 4));
        Assert.Throws<InvalidOptionException>(() => new AdamW(device, new AdamWOptions { LearningRate = double.NaN }, 4));
    }
}
