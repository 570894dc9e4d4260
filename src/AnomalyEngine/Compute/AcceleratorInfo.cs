using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Compute;

/// <summary>One accelerator ILGPU can use on this machine.</summary>
/// <param name="Name">The device's name.</param>
/// <param name="Kind">"cuda", "cpu" or "opencl".</param>
/// <param name="MemoryBytes">Device memory in bytes (0 for the CPU accelerator).</param>
public sealed record AcceleratorInfo(string Name, string Kind, long MemoryBytes)
{
    /// <summary>Lists the accelerators ILGPU finds (always at least its CPU accelerator).</summary>
    public static IReadOnlyList<AcceleratorInfo> List()
    {
        using var context = Context.Create(builder => builder.Default());
        return context.Devices
            .Select(d => new AcceleratorInfo(
                d.Name,
                d.AcceleratorType switch { AcceleratorType.Cuda => "cuda", AcceleratorType.CPU => "cpu", _ => "opencl" },
                d.AcceleratorType == AcceleratorType.CPU ? 0 : d.MemorySize))
            .ToArray();
    }
}
