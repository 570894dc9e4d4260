namespace AnomalyEngine.Imaging;

/// <summary>A binary defect mask: <c>Data[y * Width + x]</c> is 1 on the defect and 0 elsewhere.</summary>
public sealed class Mask
{
    /// <summary>Wraps <paramref name="data"/> (not copied), which must hold height × width values, each 0 or 1.</summary>
    public Mask(byte[] data, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"a mask is at least 1x1 (got {width}x{height})");
        if (data.Length != (long)height * width)
            throw new ArgumentException($"data holds {data.Length} values, but {height}x{width} needs {(long)height * width}", nameof(data));
        int bad = Array.FindIndex(data, v => v > 1);
        if (bad >= 0)
            throw new ArgumentException($"mask value {data[bad]} at index {bad}: a mask holds only 0 and 1", nameof(data));
        Data = data;
        Height = height;
        Width = width;
    }

    /// <summary>An empty (all 0) mask.</summary>
    public Mask(int height, int width) : this(new byte[(long)height * width], height, width) { }

    /// <summary>The values, row-major, 0 or 1.</summary>
    public byte[] Data { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Whether pixel (<paramref name="y"/>, <paramref name="x"/>) is on the defect.</summary>
    public bool this[int y, int x] => Data[y * Width + x] != 0;

    /// <summary>The number of defect pixels.</summary>
    public int Area()
    {
        int n = 0;
        foreach (byte v in Data) n += v;
        return n;
    }
}
