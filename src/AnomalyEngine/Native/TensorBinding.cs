namespace AnomalyEngine.Native;

/// <summary>
/// A caller-owned buffer bound by name without copying: host memory for CPU sessions, CUDA device
/// memory for CUDA sessions (TensorRT wants it 256-byte aligned). The memory must stay valid during the run.
/// </summary>
public readonly struct TensorBinding
{
    /// <summary>Binds <paramref name="byteLength"/> bytes at <paramref name="data"/> as a tensor of the given type and shape.</summary>
    public TensorBinding(string name, TensorElementType type, long[] shape, nint data, long byteLength)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        ElementType = type;
        Shape = shape;
        Data = data;
        ByteLength = byteLength;
    }

    /// <summary>The graph input or output this buffer binds to.</summary>
    public string Name { get; }

    /// <summary>The element type of the buffer.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>The concrete shape of this call.</summary>
    public long[] Shape { get; }

    /// <summary>Address of the first element.</summary>
    public nint Data { get; }

    /// <summary>Size of the buffer in bytes.</summary>
    public long ByteLength { get; }
}
