using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using AnomalyEngine.Metrics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace AnomalyEngine.Bench;

/// <summary>
/// Pixel-level AUROC + AP + AUPRO + F1-max in one pass over the data bench/metrics_compare.py
/// writes (N images of 256x256: scores.npy float32, masks.npy uint8); the script times
/// scikit-learn and the reference AUPRO on the same files. Set AE_BENCH_DATA to its folder.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private float[] _scores = [];
    private byte[] _masks = [];
    private int _images, _height, _width;
    private PixelMetricAccumulator? _acc;

    /// <summary>Data set name: a sub-folder of AE_BENCH_DATA.</summary>
    [Params("10M", "113M")]
    public string Pixels { get; set; } = "10M";

    [GlobalSetup]
    public void Setup()
    {
        string dir = Path.Combine(Environment.GetEnvironmentVariable("AE_BENCH_DATA") ?? "artifacts/bench/metrics", Pixels);
        (_scores, var shape) = ReadNpy<float>(Path.Combine(dir, "scores.npy"));
        (_masks, _) = ReadNpy<byte>(Path.Combine(dir, "masks.npy"));
        (_images, _height, _width) = (shape[0], shape[1], shape[2]);
        // Record the values once, for the script to compare with the references.
        var m = Run();
        var sb = new StringBuilder("{");
        void Put(string k, double v) => sb.Append(CultureInfo.InvariantCulture, $"\"{k}\": {v.ToString("R", CultureInfo.InvariantCulture)}, ");
        Put("auroc", m.Auroc.Value); Put("ap", m.AveragePrecision.Value); Put("aupro", m.Aupro.Value); Put("f1Max", m.F1Max.Value);
        sb.Append(CultureInfo.InvariantCulture, $"\"regions\": {m.Regions}}}");
        File.WriteAllText(Path.Combine(dir, "csharp_values.json"), sb.ToString());
    }

    /// <summary>Add every image (key mapping, 8-connected labelling) and compute all pixel metrics.</summary>
    [Benchmark]
    public MetricSet AddAndCompute() => Run();

    private MetricSet Run()
    {
        int n = _height * _width;
        _acc = new PixelMetricAccumulator(_images * n);
        for (int i = 0; i < _images; i++)
            _acc.Add(_scores.AsSpan(i * n, n), _masks.AsSpan(i * n, n), _width, _height);
        return _acc.Compute();
    }

    private static (T[] Data, int[] Shape) ReadNpy<T>(string path) where T : unmanaged
    {
        using var f = File.OpenRead(path);
        var head = new byte[10];
        f.ReadExactly(head);
        int headerLen = BitConverter.ToUInt16(head, 8);
        var header = new byte[headerLen];
        f.ReadExactly(header);
        string text = Encoding.ASCII.GetString(header);
        string shapeText = text[(text.IndexOf('(') + 1)..text.IndexOf(')')];
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = new T[shape.Aggregate(1L, (a, b) => a * b)];
        f.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
        return (data, shape);
    }
}
