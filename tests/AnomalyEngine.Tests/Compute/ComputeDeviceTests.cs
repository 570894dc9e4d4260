using AnomalyEngine.Compute;
using AnomalyEngine.Native;
using AnomalyEngine.Tests.Native;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Tests.Compute;

public class ComputeDeviceTests
{
    private static void Saxpy(ArrayView1D<float, Stride1D.Dense> x, ArrayView1D<float, Stride1D.Dense> y, float a, int n)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Grid.DimX * Group.DimX)
            y[i] = a * x[i] + y[i];
    }

    // Adds one to every element it visits: a grid-stride launch must visit each exactly once.
    private static void CountVisits(ArrayView1D<int, Stride1D.Dense> visits, int n)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Grid.DimX * Group.DimX)
            visits[i] += 1;
    }

    [Fact]
    public void Cpu_preference_gives_the_cpu_accelerator()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        Assert.False(device.IsCuda);
        Assert.Equal(AcceleratorType.CPU, device.Accelerator.AcceleratorType);
    }

    [Fact]
    public void Grid_stride_saxpy_on_the_cpu_accelerator_matches_a_plain_loop()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        const int n = 100_003; // not a multiple of any group size
        var x = new float[n];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = Philox.Normal(7, 0, 0, (uint)i);
            y[i] = Philox.Normal(7, 1, 0, (uint)i);
        }
        const float a = -1.75f;
        var expected = new float[n];
        for (int i = 0; i < n; i++)
            expected[i] = a * x[i] + y[i];

        var kernel = device.Accelerator.LoadStreamKernel<ArrayView1D<float, Stride1D.Dense>, ArrayView1D<float, Stride1D.Dense>, float, int>(Saxpy);
        using var dx = device.Accelerator.Allocate1D(x);
        using var dy = device.Accelerator.Allocate1D(y);
        kernel(device.GridStride(n), dx.View, dy.View, a, n);
        device.Accelerator.Synchronize();
        Assert.Equal(expected, dy.GetAsArray1D());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4097)]
    [InlineData(250_001)]
    public void Grid_stride_launch_visits_every_element_exactly_once(int n)
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var config = device.GridStride(n);
        Assert.InRange(config.GridDim.X, 1, Math.Max(1, device.Accelerator.NumMultiprocessors * 2));
        var kernel = device.Accelerator.LoadStreamKernel<ArrayView1D<int, Stride1D.Dense>, int>(CountVisits);
        using var visits = device.Accelerator.Allocate1D<int>(n);
        visits.MemSetToZero();
        kernel(config, visits.View, n);
        device.Accelerator.Synchronize();
        Assert.All(visits.GetAsArray1D(), v => Assert.Equal(1, v));
    }

    [Fact]
    public void Cpu_accelerator_buffers_bind_to_a_cpu_graph_without_copying()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        using var session = GraphSession.Open(Fixture.Elementwise);
        float[] x = [0.5f, -2f, 3f, 1e3f, -1e-3f, 0f];
        using var dx = device.Accelerator.Allocate1D(x);
        using var dy = device.Accelerator.Allocate1D<float>(6);
        session.Run([dx.AsTensor("x", 2, 3)], [dy.AsTensor("y", 2, 3)]);
        Assert.Equal(x.Select(v => 2 * v + 1), dy.GetAsArray1D());
    }

    [Fact]
    public void Buffers_of_unbindable_types_are_rejected()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        using var buffer = device.Accelerator.Allocate1D<double>(4);
        Assert.Throws<InvalidInputException>(() => buffer.AsTensor("x", 4));
    }
}
