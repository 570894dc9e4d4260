using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;

namespace AnomalyEngine.Imaging;

/// <summary>Bounds on what the reader accepts, checked from the file size and the header before any pixel is decoded.</summary>
public sealed class ImageLimits
{
    private readonly Lazy<Configuration> configuration;

    /// <summary>Limits with the defaults below; set properties with an object initialiser.</summary>
    public ImageLimits() => configuration = new Lazy<Configuration>(CreateConfiguration, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The default: 64 megapixels, 256 MB files, 1 GB of decoder memory.</summary>
    public static ImageLimits Default { get; } = new();

    /// <summary>The largest width × height accepted.</summary>
    public long MaxPixels { get; init; } = 64L * 1024 * 1024;

    /// <summary>The largest file accepted, in bytes.</summary>
    public long MaxFileBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The most memory one decode may allocate, in megabytes (ImageSharp's allocator limit).</summary>
    public int AllocationLimitMegabytes { get; init; } = 1024;

    // One configuration per limits object: the allocator keeps pools, so it must be shared, not rebuilt per file.
    internal Configuration Configuration => configuration.Value;

    private Configuration CreateConfiguration()
    {
        var config = Configuration.Default.Clone();
        config.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
        {
            AllocationLimitMegabytes = AllocationLimitMegabytes,
        });
        return config;
    }
}
