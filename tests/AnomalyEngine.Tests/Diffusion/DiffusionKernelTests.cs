using ILGPU;
using ILGPU.Runtime;
using AnomalyEngine.Diffusion;

namespace AnomalyEngine.Tests.Diffusion;

[Collection("diffusion-device")]
public class DiffusionKernelTests(DeviceFixture fixture)
{
    [Fact]
    public void Mask_resize_picks_torch_nearest_source_pixels_and_binarises()
    {
        var kernels = new DiffusionKernels(fixture.Device);
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
}
