using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;
using ILGPU;
using ILGPU.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// `anomaly-engine bench`: per-call latency of one graph (or a bundle component) through
/// GraphSession at the batch sizes given: warm-up calls first, then the median of N timed calls.
/// </summary>
internal sealed class BenchCommand : Command<BenchCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--graph <FILE>"), Description("The graph to time (.onnx, or .plan on a TensorRT machine).")]
        public string? Graph { get; init; }

        [CommandOption("--bundle <DIR>"), Description("A diffusion bundle; times --component (its plan when --device cuda and TensorRT are available).")]
        public string? Bundle { get; init; }

        [CommandOption("--component <NAME>"), Description("Bundle component to time. Default unet.")]
        [DefaultValue("unet")]
        public string Component { get; init; } = "unet";

        [CommandOption("--batch <LIST>"), Description("Comma-separated batch sizes for the dynamic first dimension. Default 1,4.")]
        [DefaultValue("1,4")]
        public string Batch { get; init; } = "1,4";

        [CommandOption("--runs <N>"), Description("Timed calls per batch size; the median is reported. Default 20.")]
        [DefaultValue(20)]
        public int Runs { get; init; } = 20;

        [CommandOption("--warmup <N>"), Description("Untimed calls first, per batch size. Default 3.")]
        [DefaultValue(3)]
        public int Warmup { get; init; } = 3;

        [CommandOption("--threads <N>"), Description("CPU threads per call (0: the runtime's choice). Default 0.")]
        [DefaultValue(0)]
        public int Threads { get; init; }

        [CommandOption("--device <DEVICE>"), Description("cpu (default) or cuda.")]
        [DefaultValue("cpu")]
        public string Device { get; init; } = "cpu";

        public override ValidationResult Validate()
        {
            if (string.IsNullOrEmpty(Graph) == string.IsNullOrEmpty(Bundle))
                return ValidationResult.Error("give exactly one of --graph <file> or --bundle <dir>");
            if (Runs < 1)
                return ValidationResult.Error($"--runs must be >= 1, got {Runs}");
            if (Warmup < 0)
                return ValidationResult.Error($"--warmup must be >= 0, got {Warmup}");
            if (Threads < 0)
                return ValidationResult.Error($"--threads must be >= 0, got {Threads}");
            if (Device is not ("cpu" or "cuda"))
                return ValidationResult.Error($"--device must be cpu or cuda, got '{Device}'");
            if (ParseBatches(Batch) is null)
                return ValidationResult.Error($"--batch must be comma-separated positive integers, e.g. 1,4,8; got '{Batch}'");
            return ValidationResult.Success();
        }
    }

    /// <summary>Timings of one batch size, in milliseconds.</summary>
    internal sealed record Timing(int Batch, double MedianMs, double MinMs, double MaxMs)
    {
        public double ItemsPerSecond => Batch * 1000.0 / MedianMs;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        int[] batches = ParseBatches(s.Batch)!;
        bool cuda = s.Device == "cuda";
        string path = GraphPath(s, cuda);
        using var device = cuda ? ComputeDevice.Create(DevicePreference.Cuda) : null;
        if (cuda && device is { IsCuda: false })
            throw new DeviceUnavailableException("--device cuda: no CUDA device is usable on this machine; use --device cpu.");
        using var session = GraphSession.Open(path, new GraphSessionOptions { Threads = s.Threads }, device);
        if (!session.Inputs.Any(t => t.Shape.Length > 0 && t.Shape[0] < 0))
        {
            // A graph without a dynamic batch runs at the batch it was exported with.
            long fixedBatch = session.Inputs.Count > 0 && session.Inputs[0].Shape.Length > 0 ? session.Inputs[0].Shape[0] : 1;
            if (batches.Any(b => b != fixedBatch))
                throw new InvalidOptionException($"'{session.Path}' has no dynamic batch dimension (first input {session.Inputs[0]}): use --batch {fixedBatch}");
        }
        var timings = new List<Timing>();
        StepProgress.Run("bench", (long)batches.Length * (s.Warmup + s.Runs), "calls", progress =>
        {
            foreach (int batch in batches)
            {
                using var buffers = Buffers.Create(session, batch, device);
                var times = new double[s.Runs];
                for (int i = 0; i < s.Warmup + s.Runs; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    long start = Stopwatch.GetTimestamp();
                    session.Run(buffers.Inputs, buffers.Outputs);
                    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (i >= s.Warmup)
                        times[i - s.Warmup] = ms;
                    progress.Advance();
                }
                timings.Add(Summarise(batch, times));
            }
            return 0;
        });

        if (s.Json)
        {
            JsonOutput.Write(new JsonObject
            {
                ["graph"] = session.Path,
                ["backend"] = session.Backend.ToString(),
                ["device"] = device?.Name ?? "cpu",
                ["threads"] = s.Threads,
                ["warmup"] = s.Warmup,
                ["runs"] = s.Runs,
                ["results"] = new JsonArray(timings.Select(t => (JsonNode)new JsonObject
                {
                    ["batch"] = t.Batch,
                    ["medianMs"] = t.MedianMs,
                    ["minMs"] = t.MinMs,
                    ["maxMs"] = t.MaxMs,
                    ["itemsPerSecond"] = t.ItemsPerSecond,
                }).ToArray()),
            });
            return 0;
        }
        AnsiConsole.MarkupLineInterpolated($"{session.Path} on {session.Backend} ({device?.Name ?? "CPU"}, threads {(s.Threads == 0 ? "auto" : s.Threads.ToString(CultureInfo.InvariantCulture))}): median of {s.Runs} calls after {s.Warmup} warm-up calls");
        var table = new Table().AddColumns("batch", "median (ms)", "min (ms)", "max (ms)", "per item (ms)", "items/s");
        foreach (var t in timings)
            table.AddRow(t.Batch.ToString(CultureInfo.InvariantCulture), F(t.MedianMs), F(t.MinMs), F(t.MaxMs), F(t.MedianMs / t.Batch), F(t.ItemsPerSecond));
        AnsiConsole.Write(table);
        return 0;
    }

    private static string F(double v) => v.ToString(v >= 100 ? "F0" : v >= 1 ? "F2" : "G3", CultureInfo.InvariantCulture);

    /// <summary>Median (mean of the two middle values for even N), min and max.</summary>
    internal static Timing Summarise(int batch, double[] times)
    {
        var sorted = times.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Timing(batch, median, sorted[0], sorted[^1]);
    }

    internal static int[]? ParseBatches(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]) || result[i] < 1)
                return null;
        return result.Length > 0 ? result : null;
    }

    private static string GraphPath(Settings s, bool cuda)
    {
        if (s.Graph is not null)
        {
            if (!File.Exists(s.Graph))
                throw new ModelException($"graph '{s.Graph}' does not exist: give the path of an .onnx or .plan file");
            return s.Graph;
        }
        var bundle = ModelBundle.Open(s.Bundle!);
        string onnx = bundle.GraphPath(s.Component)
            ?? throw new InvalidOptionException($"bundle '{bundle.Id}' has no component '{s.Component}'");
        return cuda && bundle.PlanPath(s.Component) is { } plan && NativeRuntime.Capabilities.TensorRT ? plan : onnx;
    }

    /// <summary>
    /// Inputs and outputs of one batch size: the dynamic first dimension set to the batch, inputs
    /// filled once (normal noise for floats, small integers otherwise: timesteps, indices).
    /// Host memory on CPU, device memory on CUDA.
    /// </summary>
    private sealed class Buffers : IDisposable
    {
        private readonly List<nint> _host = [];
        private readonly List<MemoryBuffer1D<byte, Stride1D.Dense>> _device = [];

        public TensorBinding[] Inputs { get; private set; } = [];
        public TensorBinding[] Outputs { get; private set; } = [];

        public static unsafe Buffers Create(GraphSession session, int batch, ComputeDevice? device)
        {
            var b = new Buffers();
            try
            {
                b.Inputs = session.Inputs.Select((t, i) => b.Bind(session, t, batch, device, fill: i + 1)).ToArray();
                b.Outputs = session.Outputs.Select(t => b.Bind(session, t, batch, device, fill: 0)).ToArray();
                return b;
            }
            catch
            {
                b.Dispose();
                throw;
            }
        }

        private unsafe TensorBinding Bind(GraphSession session, TensorInfo tensor, int batch, ComputeDevice? device, int fill)
        {
            long[] shape = Concrete(session, tensor, batch);
            int size = tensor.ElementType switch
            {
                TensorElementType.Float32 or TensorElementType.Int32 => 4,
                TensorElementType.Int64 => 8,
                TensorElementType.Float16 => 2,
                TensorElementType.UInt8 => 1,
                _ => throw new ModelException($"'{session.Path}': tensor '{tensor.Name}' has a type bench cannot fill ({tensor})"),
            };
            long count = shape.Aggregate(1L, (a, d) => a * d);
            long bytes = Math.Max(count * size, 1);
            // 256-byte alignment: what TensorRT wants of its buffers.
            nint host = (nint)NativeMemory.AlignedAlloc((nuint)bytes, 256);
            _host.Add(host);
            if (fill > 0)
                Fill(host, tensor.ElementType, count, (uint)fill);
            if (device is null)
                return new TensorBinding(tensor.Name, tensor.ElementType, shape, host, count * size);
            var buffer = device.Accelerator.Allocate1D<byte>(bytes);
            _device.Add(buffer);
            buffer.View.CopyFromCPU(ref *(byte*)host, bytes);
            device.Accelerator.Synchronize();
            return new TensorBinding(tensor.Name, tensor.ElementType, shape, buffer.NativePtr, count * size);
        }

        private static long[] Concrete(GraphSession session, TensorInfo tensor, int batch)
        {
            var shape = (long[])tensor.Shape.Clone();
            for (int d = 0; d < shape.Length; d++)
            {
                if (shape[d] >= 0)
                    continue;
                if (d > 0)
                    throw new ModelException($"'{session.Path}': tensor '{tensor.Name}' has a dynamic dimension other than the batch ({tensor}); bench sets only the first");
                shape[0] = batch;
            }
            return shape;
        }

        private static unsafe void Fill(nint data, TensorElementType type, long count, uint stream)
        {
            for (long i = 0; i < count; i++)
            {
                switch (type)
                {
                    case TensorElementType.Float32: ((float*)data)[i] = Philox.Normal(17, stream, 0, (uint)i); break;
                    case TensorElementType.Float16: ((System.Half*)data)[i] = (System.Half)Philox.Normal(17, stream, 0, (uint)i); break;
                    case TensorElementType.Int64: ((long*)data)[i] = i % 10; break;
                    case TensorElementType.Int32: ((int*)data)[i] = (int)(i % 10); break;
                    case TensorElementType.UInt8: ((byte*)data)[i] = (byte)(i % 10); break;
                }
            }
        }

        public unsafe void Dispose()
        {
            foreach (var buffer in _device)
                buffer.Dispose();
            foreach (nint p in _host)
                NativeMemory.AlignedFree((void*)p);
        }
    }
}
