using AnomalyEngine.Native;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Microsoft.ML.OnnxRuntime;

namespace AnomalyEngine.Bench;

/// <summary>
/// One run of the same graph through GraphSession (managed → libaenative → ONNX Runtime C API)
/// and through ONNX Runtime's own managed API on preallocated, pinned OrtValues (its fastest path).
/// Both sessions use one intra-op thread so that the shared CPU does not decide the result.
/// Goals: under 20 µs added per call on the elementwise graph, within 5% on the small conv net.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class InteropBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // ShortRun with more iterations: the shared machine is noisy, a 5% goal needs them.
            AddJob(Job.ShortRun.WithWarmupCount(5).WithIterationCount(15));
            Orderer = new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared);
        }
    }

    private GraphSession _ours = null!;
    private HostTensor[] _hostIn = null!, _hostOut = null!;
    private InferenceSession _ort = null!;
    private RunOptions _runOptions = null!;
    private string[] _inNames = null!, _outNames = null!;
    private OrtValue[] _inValues = null!, _outValues = null!;

    [Params("elementwise", "small_conv")]
    public string Graph { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        string path = Path.Combine(RepoRoot(), "tests", "AnomalyEngine.Tests", "Fixtures", Graph + ".onnx");
        (long[] inShape, long[] outShape) = Graph == "elementwise" ? (new long[] { 2, 3 }, new long[] { 2, 3 }) : ([1, 3, 32, 32], [1, 4, 30, 30]);
        var x = new float[inShape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < x.Length; i++)
            x[i] = MathF.Sin(0.1f * i);
        var yOurs = new float[outShape.Aggregate(1L, (a, b) => a * b)];
        var yOrt = new float[yOurs.Length];

        _ours = GraphSession.Open(path, new GraphSessionOptions { Threads = 1 });
        _hostIn = [HostTensor.Float("x", x, inShape)];
        _hostOut = [HostTensor.Float("y", yOurs, outShape)];

        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _ort = new InferenceSession(path, options);
        _runOptions = new RunOptions();
        _inNames = ["x"];
        _outNames = ["y"];
        _inValues = [OrtValue.CreateTensorValueFromMemory(x, inShape)];
        _outValues = [OrtValue.CreateTensorValueFromMemory(yOrt, outShape)];

        OnnxRuntimeManaged();
        AnomalyEngineHostTensors();
        if (!yOurs.AsSpan().SequenceEqual(yOrt))
            throw new InvalidOperationException($"{Graph}: the two paths disagree");
    }

    [Benchmark(Baseline = true, Description = "ORT managed API (OrtValue)")]
    public void OnnxRuntimeManaged() => _ort.Run(_runOptions, _inNames, _inValues, _outNames, _outValues);

    [Benchmark(Description = "GraphSession (HostTensor)")]
    public void AnomalyEngineHostTensors() => _ours.Run(_hostIn, _hostOut);

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Dispose();
        foreach (var v in _inValues.Concat(_outValues))
            v.Dispose();
        _runOptions.Dispose();
        _ort.Dispose();
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AnomalyEngine.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("AnomalyEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
