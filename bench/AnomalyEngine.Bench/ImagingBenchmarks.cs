using AnomalyEngine.Imaging;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AnomalyEngine.Bench;

/// <summary>
/// Decode (+ resize to 256x256) of every image of magnetic_tile (../shared/data), one operation = the whole set:
/// ImageSharp's default decode against the hardened reader, single-threaded and in parallel.
/// Run: dotnet run -c Release --project bench/AnomalyEngine.Bench -- --filter '*Imaging*'
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class ImagingBenchmarks
{
    private string[] files = [];

    [GlobalSetup]
    public void Setup()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "AnomalyEngine.sln"))) dir = Path.GetDirectoryName(dir);
        string set = Path.GetFullPath(Path.Combine(dir ?? ".", "..", "shared", "data", "magnetic_tile", "magnetic_tile"));
        if (!Directory.Exists(set))
            throw new DirectoryNotFoundException($"{set}: the benchmark needs ../shared/data beside the repository");
        files = Directory.EnumerateFiles(Path.Combine(set, "train"), "*.jpg", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(set, "test"), "*.jpg", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal).ToArray();
        Console.WriteLine($"// magnetic_tile: {files.Length} images per operation");
    }

    [Benchmark(Baseline = true, Description = "ImageSharp Image.Load<L8>, default configuration")]
    public long ImageSharpDecode()
    {
        long sum = 0;
        foreach (string f in files)
        {
            using var img = Image.Load<L8>(f);
            sum += img.Width;
        }
        return sum;
    }

    [Benchmark(Description = "ImageCodec.ReadImage (identify, limits, CHW float)")]
    public long HardenedDecode()
    {
        long sum = 0;
        foreach (string f in files) sum += ImageCodec.ReadImage(f, 1).Width;
        return sum;
    }

    [Benchmark(Description = "ImageSharp Load<L8> + Resize 256 bicubic")]
    public long ImageSharpDecodeResize()
    {
        long sum = 0;
        foreach (string f in files)
        {
            using var img = Image.Load<L8>(f);
            img.Mutate(x => x.Resize(256, 256, KnownResamplers.Bicubic));
            sum += img.Width;
        }
        return sum;
    }

    [Benchmark(Description = "ReadImage + ImageResize.Bicubic 256")]
    public long HardenedDecodeResize()
    {
        long sum = 0;
        foreach (string f in files) sum += ImageResize.Bicubic(ImageCodec.ReadImage(f, 1), 256, 256).Width;
        return sum;
    }

    [Benchmark(Description = "ReadImage + ImageResize.Bicubic 256, Parallel.ForEach")]
    public long HardenedDecodeResizeParallel()
    {
        long sum = 0;
        Parallel.ForEach(files, f => Interlocked.Add(ref sum, ImageResize.Bicubic(ImageCodec.ReadImage(f, 1), 256, 256).Width));
        return sum;
    }
}
