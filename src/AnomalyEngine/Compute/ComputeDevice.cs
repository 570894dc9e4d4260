using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace AnomalyEngine.Compute;

/// <summary>Which accelerator a <see cref="ComputeDevice"/> should use.</summary>
public enum DevicePreference
{
    /// <summary>CUDA when a usable NVIDIA GPU is present, otherwise the CPU.</summary>
    Auto,
    /// <summary>ILGPU's CPU accelerator.</summary>
    Cpu,
    /// <summary>CUDA; fails when no CUDA device is usable.</summary>
    Cuda,
}

/// <summary>One ILGPU context and accelerator; every kernel that runs between graph calls runs here.</summary>
public sealed class ComputeDevice : IDisposable
{
    private readonly Context _context;

    private ComputeDevice(Context context, Accelerator accelerator)
    {
        _context = context;
        Accelerator = accelerator;
    }

    /// <summary>The ILGPU accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>True when the accelerator is a CUDA device.</summary>
    public bool IsCuda => Accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>A short human-readable name, e.g. "CPU (2 threads)" or the GPU's name.</summary>
    public string Name => IsCuda ? Accelerator.Name : $"CPU ({Environment.ProcessorCount} threads)";

    /// <summary>Creates a device following <paramref name="preference"/>.</summary>
    public static ComputeDevice Create(DevicePreference preference = DevicePreference.Auto)
    {
        var context = Context.Create(builder => builder.Default().EnableAlgorithms().Math(MathMode.Default));
        try
        {
            if (preference != DevicePreference.Cpu)
            {
                var cuda = context.GetCudaDevices();
                if (cuda.Count > 0)
                    return new ComputeDevice(context, cuda[0].CreateAccelerator(context));
                if (preference == DevicePreference.Cuda)
                    throw new DeviceUnavailableException("CUDA was requested but no CUDA device is usable: check the NVIDIA driver, or use --device cpu.");
            }
            // One emulated thread per core and small groups: grid-stride kernels then run a few
            // groups per core, within 2-10x of a plain loop (one thread per element is ~1000x slower).
            var cpu = new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 1, numMultiprocessors: Math.Max(1, Environment.ProcessorCount));
            return new ComputeDevice(context, cpu.CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The launch shape for grid-stride kernels over <paramref name="elements"/> items: a kernel
    /// loops <c>for (i = Grid.GlobalIndex.X; i &lt; n; i += Grid.DimX * Group.DimX)</c>.
    /// </summary>
    public KernelConfig GridStride(long elements)
    {
        int groupSize = IsCuda ? 256 : Accelerator.WarpSize;
        int maxGroups = IsCuda ? Accelerator.NumMultiprocessors * 8 : Accelerator.NumMultiprocessors * 2;
        long needed = (elements + groupSize - 1) / groupSize;
        int groups = (int)Math.Clamp(needed, 1, maxGroups);
        return new KernelConfig(groups, groupSize);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}
