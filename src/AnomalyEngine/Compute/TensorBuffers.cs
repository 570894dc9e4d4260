using AnomalyEngine.Native;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Compute;

/// <summary>Binds ILGPU buffers to graph tensors without copying.</summary>
public static class TensorBuffers
{
    /// <summary>
    /// A binding of <paramref name="buffer"/> as tensor <paramref name="name"/> of the given shape:
    /// device memory on CUDA (for a CUDA session opened with the same device), host memory on the
    /// CPU accelerator (for a CPU session).
    /// </summary>
    public static TensorBinding AsTensor<T>(this MemoryBuffer1D<T, Stride1D.Dense> buffer, string name, params long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return new TensorBinding(name, ElementTypeOf<T>(name), shape, buffer.NativePtr, buffer.LengthInBytes);
    }

    /// <summary>The graph element type of <typeparamref name="T"/>.</summary>
    internal static TensorElementType ElementTypeOf<T>(string name) where T : unmanaged =>
        typeof(T) == typeof(float) ? TensorElementType.Float32
        : typeof(T) == typeof(long) ? TensorElementType.Int64
        : typeof(T) == typeof(int) ? TensorElementType.Int32
        : typeof(T) == typeof(byte) ? TensorElementType.UInt8
        : typeof(T) == typeof(System.Half) || typeof(T) == typeof(ILGPU.Half) ? TensorElementType.Float16
        : throw new InvalidInputException($"tensor '{name}': buffers of {typeof(T).Name} cannot be bound to a graph; use float, long, int, byte or Half");
}
