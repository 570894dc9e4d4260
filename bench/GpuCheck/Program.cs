// gpu-check <log-dir> [pixels] [--dry]: every diffusion kernel and the pixel metrics on CUDA against the CPU
// path, on the same Philox-generated data: max abs/rel difference and median timings, as a table on
// stdout and JSON in <log-dir>; also writes scores.npy / masks.npy for the torchmetrics comparison.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Metrics;
using ILGPU;
using ILGPU.Runtime;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: gpu-check <log-dir> [pixels]");
    return 2;
}
string log = args[0];
long pixels = args.Length > 1 && args[1] != "--dry" ? long.Parse(args[1], CultureInfo.InvariantCulture) : 20_000_000;
// --dry: a machine without a GPU checks the checker, with ILGPU's CPU accelerator running the kernels in place of CUDA.
bool dry = args.Contains("--dry");
Directory.CreateDirectory(log);
using var cpu = ComputeDevice.Create(DevicePreference.Cpu);
ComputeDevice cuda;
try
{
    cuda = ComputeDevice.Create(dry ? DevicePreference.Cpu : DevicePreference.Cuda);
}
catch (Exception e)
{
    Console.Error.WriteLine($"no CUDA device: {e.Message}");
    return 5;
}
using var _ = cuda;
var rows = new List<Dictionary<string, object>>();

// Diffusion kernels: 16 items of 4 x 64 x 64 latents (the default bundle's shape family, scaled up).
const int B = 16, C = 4, H = 64, W = 64, Hw = H * W, N = C * Hw, Total = B * N;
float[] Data(uint stream, int n) { var v = new float[n]; Parallel.For(0, n, i => v[i] = Philox.Normal(11, stream, 0, (uint)i)); return v; }
float[] Mask(uint stream, int n) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = Philox.Uniform(11, stream, 0, (uint)i) < 0.3f ? 1f : 0f; return v; }
uint[] items = Enumerable.Range(0, B).Select(i => (uint)(1000 + i)).ToArray();
var step = new StepArgs
{
    Seed = 42, NoiseStep = DiffusionKernels.NoiseStep(3, DiffusionKernels.StepNoise), A = 0.8f, S = 0.6f, Guidance = 7.5f,
    Cx = 0.98f, Cm = -0.1f, Cz = 0.05f, N = N, Hw = Hw, UncondOffset = Total, Total = Total,
};
float[] x0 = Data(1, Total), z0 = Data(2, Total), reference = Data(3, Total), prediction = Data(4, 2 * Total), latentMask = Mask(5, B * Hw);
const int Side = 256, Plane = Side * Side;
float[] bigMask = Mask(6, B * Plane), original = Data(7, B * 3 * Plane), generated = Data(8, B * 3 * Plane);
var resize = new ImageArgs { InH = Side, InW = Side, OutH = H, OutW = W, Total = B * Hw };
var paste = new ImageArgs { InH = Side, InW = Side, OutH = Side, OutW = Side, Channels = 3, Feather = 3, Total = B * Plane };

Check("q_sample", (d, host) => { var k = new DiffusionKernels(d, host); var a = d.Accelerator; using var x = a.Allocate1D(x0); using var o = a.Allocate1D<float>(Total); using var it = a.Allocate1D(items); return Time(d, () => k.QSample(x, o, it, step), () => o.GetAsArray1D()); });
Check("blend", (d, host) => { var k = new DiffusionKernels(d, host); var a = d.Accelerator; using var z = a.Allocate1D(z0); using var r = a.Allocate1D(reference); using var m = a.Allocate1D(latentMask); using var u = a.Allocate1D<float>(2 * Total); using var it = a.Allocate1D(items); return Time(d, () => { z.View.CopyFromCPU(z0); k.Blend(z, r, m, u, it, step); }, () => [.. z.GetAsArray1D(), .. u.GetAsArray1D()]); });
Check("guided_step", (d, host) => { var k = new DiffusionKernels(d, host); var a = d.Accelerator; using var z = a.Allocate1D(z0); using var p = a.Allocate1D(prediction); using var it = a.Allocate1D(items); return Time(d, () => { z.View.CopyFromCPU(z0); k.GuidedStep(z, p, it, step); }, () => z.GetAsArray1D()); });
Check("resize_mask", (d, host) => { var k = new DiffusionKernels(d, host); var a = d.Accelerator; using var s = a.Allocate1D(bigMask); using var t = a.Allocate1D<float>(B * Hw); return Time(d, () => k.ResizeMask(s.View, t.View, resize), () => t.GetAsArray1D()); });
Check("paste_back", (d, host) => { var k = new DiffusionKernels(d, host); var a = d.Accelerator; using var o = a.Allocate1D(original); using var g = a.Allocate1D(generated); using var m = a.Allocate1D(bigMask); using var r = a.Allocate1D<float>(original.Length); return Time(d, () => k.PasteBack(o.View, g.View, m.View, r.View, paste), () => r.GetAsArray1D()); });

// Pixel metrics: 256 x 256 maps, a square defect on 40% of them, scores on a 1/256 grid (ties).
int images = (int)((pixels + Plane - 1) / Plane);
var scores = new float[(long)images * Plane];
var masks = new byte[scores.Length];
Parallel.For(0, images, i =>
{
    bool defective = Philox.Uniform(3, 1, (uint)i, 0) < 0.4f;
    int cx = (int)(Philox.Bits64(3, 2, (uint)i, 0) % Side), cy = (int)(Philox.Bits64(3, 2, (uint)i, 1) % Side), r = 2 + (int)(Philox.Bits64(3, 2, (uint)i, 2) % 30);
    for (int p = 0; p < Plane; p++)
    {
        int x = p % Side, y = p / Side;
        byte m = defective && Math.Abs(x - cx) <= r && Math.Abs(y - cy) <= r ? (byte)1 : (byte)0;
        masks[(long)i * Plane + p] = m;
        scores[(long)i * Plane + p] = MathF.Round((Philox.Normal(3, 0, (uint)i, (uint)p) + 2.5f * m) * 256f) / 256f;
    }
});
MetricSet Metrics(ComputeDevice? device)
{
    var acc = new PixelMetricAccumulator(images * Plane);
    for (int i = 0; i < images; i++) acc.Add(scores.AsSpan(i * Plane, Plane), masks.AsSpan(i * Plane, Plane), Side, Side);
    return acc.Compute(new MetricOptions { Device = device });
}
MetricSet cpuMetrics = null!, cudaMetrics = null!;
double cpuMs = Median(3, () => cpuMetrics = Metrics(null), 1);
double cudaMs = Median(5, () => cudaMetrics = Metrics(cuda), 1);
double[] mc = [cpuMetrics.Auroc.Value, cpuMetrics.AveragePrecision.Value, cpuMetrics.Aupro.Value, cpuMetrics.F1Max.Value];
double[] mg = [cudaMetrics.Auroc.Value, cudaMetrics.AveragePrecision.Value, cudaMetrics.Aupro.Value, cudaMetrics.F1Max.Value];
rows.Add(Row($"pixel metrics ({scores.LongLength:N0} px)", mc.Zip(mg, (a, b) => Math.Abs(a - b)).Max(), mc.Zip(mg, (a, b) => Math.Abs(a - b) / Math.Max(Math.Abs(a), 1e-30)).Max(), cpuMs, cudaMs));

var table = new StringBuilder();
table.AppendLine($"| check ({cuda.Name}) | max abs diff | max rel diff | CPU path (ms) | {(dry ? "CPU kernels" : "CUDA")} (ms) |");
table.AppendLine("|---|---:|---:|---:|---:|");
foreach (var r in rows)
    table.AppendLine(string.Format(CultureInfo.InvariantCulture, "| {0} | {1:E1} | {2:E1} | {3:F2} | {4:F3} |", r["check"], r["maxAbs"], r["maxRel"], r["cpuMs"], r["cudaMs"]));
using (var file = File.Create(Path.Combine(log, "gpu-check.json")))
using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
{
    // Written by hand: the trimmed app has no reflection-based serializer.
    json.WriteStartObject();
    json.WriteString("device", cuda.Name);
    json.WriteNumber("pixels", scores.LongLength);
    json.WriteNumber("auroc_cuda", mg[0]);
    json.WriteNumber("ap_cuda", mg[1]);
    json.WriteStartArray("rows");
    foreach (var r in rows)
    {
        json.WriteStartObject();
        json.WriteString("check", (string)r["check"]);
        foreach (string k in new[] { "maxAbs", "maxRel", "cpuMs", "cudaMs" })
            json.WriteNumber(k, (double)r[k]);
        json.WriteEndObject();
    }
    json.WriteEndArray();
    json.WriteEndObject();
}
File.WriteAllText(Path.Combine(log, "gpu-check.md"), table.ToString());
SaveNpy("scores.npy", scores, "<f4");
SaveNpy("masks.npy", masks, "|u1");
Console.Write(table);
return 0;

// Runs a kernel on both devices; the CPU path is the reference (its element functions are tested against formulas).
void Check(string name, Func<ComputeDevice, bool, (float[] Result, double Ms)> run)
{
    var (reference, cpuMs) = run(cpu, true);
    var (result, cudaMs) = run(cuda, false);
    double maxAbs = 0, maxRel = 0;
    for (int i = 0; i < reference.Length; i++)
    {
        double d = Math.Abs((double)reference[i] - result[i]);
        maxAbs = Math.Max(maxAbs, d);
        maxRel = Math.Max(maxRel, d / Math.Max(Math.Abs((double)reference[i]), 1e-6));
    }
    rows.Add(Row(name, maxAbs, maxRel, cpuMs, cudaMs));
    Console.Error.WriteLine($"{name}: max abs {maxAbs:E2}, max rel {maxRel:E2}, CPU {cpuMs:F2} ms, CUDA {cudaMs:F3} ms");
}

// One warm-up (JIT, PTX), then the median of synchronised repetitions; returns the last result.
(float[], double) Time(ComputeDevice device, Action launch, Func<float[]> read)
{
    double ms = Median(device.IsCuda ? 20 : 3, () => { launch(); device.Accelerator.Synchronize(); }, 1);
    launch();
    device.Accelerator.Synchronize();
    return (read(), ms);
}

static double Median(int reps, Action action, int warmup)
{
    for (int i = 0; i < warmup; i++) action();
    var t = new double[reps];
    for (int i = 0; i < reps; i++)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        t[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
    Array.Sort(t);
    return t[reps / 2];
}

static Dictionary<string, object> Row(string check, double maxAbs, double maxRel, double cpuMs, double cudaMs) =>
    new() { ["check"] = check, ["maxAbs"] = maxAbs, ["maxRel"] = maxRel, ["cpuMs"] = cpuMs, ["cudaMs"] = cudaMs };

void SaveNpy<T>(string name, T[] data, string descr) where T : unmanaged
{
    string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({data.LongLength},), }}";
    header = header.PadRight(((10 + header.Length + 1 + 63) / 64) * 64 - 10 - 1) + "\n";
    using var f = File.Create(Path.Combine(log, name));
    f.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, (byte)(header.Length >> 8)]);
    f.Write(Encoding.ASCII.GetBytes(header));
    f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
}
