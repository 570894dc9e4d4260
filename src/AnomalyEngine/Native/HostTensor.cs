namespace AnomalyEngine.Native;

/// <summary>A managed array viewed as a tensor of a given shape; pinned only while a run uses it.</summary>
public readonly struct HostTensor
{
    private HostTensor(string name, Array data, TensorElementType type, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        Data = data;
        ElementType = type;
        Shape = shape;
    }

    /// <summary>A float32 tensor over <paramref name="data"/> (row-major).</summary>
    public static HostTensor Float(string name, float[] data, params long[] shape) => new(name, data, TensorElementType.Float32, shape);

    /// <summary>An int64 tensor over <paramref name="data"/> (row-major).</summary>
    public static HostTensor Int64(string name, long[] data, params long[] shape) => new(name, data, TensorElementType.Int64, shape);

    /// <summary>The graph input or output this tensor binds to.</summary>
    public string Name { get; }

    /// <summary>The concrete shape of this call.</summary>
    public long[] Shape { get; }

    /// <summary>The element type of <see cref="Data"/>.</summary>
    public TensorElementType ElementType { get; }

    internal Array Data { get; }
}
