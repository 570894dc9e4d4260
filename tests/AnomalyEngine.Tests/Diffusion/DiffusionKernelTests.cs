using ILGPU;
using ILGPU.Runtime;
using AnomalyEngine.Diffusion;

namespace AnomalyEngine.Tests.Diffusion;

[Collection("diffusion-device")]
public class DiffusionKernelTests(DeviceFixture fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Mask_resize_picks_torch_nearest_source_pixels_and_binarises(bool hostLoops)
    {
        var kernels = new DiffusionKernels(fixture.Device, hostLoops);
        var a = fixture.Device.Accelerator;
        // 10 x 10 source whose value encodes its column; 4 x 4 target samples floor(x * 10 / 4) = 0, 2, 5, 7.
        var source = new float[100];
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
                source[y * 10 + x] = (x == 2 || x == 7) && y == 5 ? 0.6f : (x == 5 ? 0.4f : 0f);
        using var src = a.Allocate1D(source);
        using var dst = a.Allocate1D<float>(16);
        kernels.ResizeMask(src.View, dst.View, new ImageArgs { InH = 10, InW = 10, OutH = 4, OutW = 4, Total = 16 });
        a.Synchronize();
        var result = new float[16];
        dst.View.CopyToCPU(result);
        float[] expected = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]; // row 2 samples source row 5; 0.4 < 0.5
        Assert.Equal(expected, result);
    }

    [Fact]
    public void Paste_back_kernel_and_host_loop_agree_bytewise_on_an_irregular_mask()
    {
        var a = fixture.Device.Accelerator;
        const int s = 24, plane = s * s;
        var mask = new float[2 * plane];
        for (int i = 0; i < mask.Length; i++)
            mask[i] = ((i * 7919) % 13 < 8 && (i / s) % s > 3) ? 1f : 0f;
        var original = Enumerable.Range(0, 2 * 3 * plane).Select(i => MathF.Sin(i)).ToArray();
        var generated = Enumerable.Range(0, 2 * 3 * plane).Select(i => MathF.Cos(0.3f * i)).ToArray();
        float[] Run(bool hostLoops)
        {
            using var o = a.Allocate1D(original);
            using var g = a.Allocate1D(generated);
            using var m = a.Allocate1D(mask);
            using var output = a.Allocate1D<float>(original.Length);
            new DiffusionKernels(fixture.Device, hostLoops).PasteBack(o.View, g.View, m.View, output.View,
                new ImageArgs { InH = s, InW = s, OutH = s, OutW = s, Channels = 3, Feather = 2, Total = 2 * plane });
            a.Synchronize();
            var result = new float[original.Length];
            output.View.CopyToCPU(result);
            return result;
        }
        var kernel = Run(false);
        var loop = Run(true);
        Assert.Equal(kernel, loop);
        for (int i = 0; i < kernel.Length; i++)
            if (mask[(i / (3 * plane)) * plane + i % plane] == 0)
                Assert.Equal(original[i], kernel[i]);
    }
}
