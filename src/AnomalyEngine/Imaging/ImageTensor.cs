namespace AnomalyEngine.Imaging;

/// <summary>How pixel values are scaled in an <see cref="ImageTensor"/>.</summary>
public enum PixelRange
{
    /// <summary>0 is black, 1 is full scale.</summary>
    ZeroToOne,
    /// <summary>-1 is black, 1 is full scale (what diffusion models expect).</summary>
    MinusOneToOne,
}

/// <summary>An image as a float tensor in channel-major (CHW) order: element (c, y, x) is <c>Data[(c * Height + y) * Width + x]</c>.</summary>
public sealed class ImageTensor
{
    /// <summary>Wraps <paramref name="data"/> (not copied), which must hold channels × height × width values.</summary>
    public ImageTensor(float[] data, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (channels is < 1 or > 4)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "an image has 1 to 4 channels");
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"an image is at least 1x1 (got {width}x{height})");
        if (data.Length != (long)channels * height * width)
            throw new ArgumentException($"data holds {data.Length} values, but {channels}x{height}x{width} needs {(long)channels * height * width}", nameof(data));
        Data = data;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>A zero-filled tensor of the given shape.</summary>
    public ImageTensor(int channels, int height, int width) : this(new float[(long)channels * height * width], channels, height, width) { }

    /// <summary>The values, CHW.</summary>
    public float[] Data { get; }

    /// <summary>1 (grey), 3 (RGB) or 4 (RGBA).</summary>
    public int Channels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>The value at channel <paramref name="c"/>, row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public float this[int c, int y, int x]
    {
        get => Data[(c * Height + y) * Width + x];
        set => Data[(c * Height + y) * Width + x] = value;
    }
}
