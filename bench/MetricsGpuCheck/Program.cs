// metrics-gpu-check <pixels> <out-dir>: pixel metrics on the managed CPU path and on CUDA over the
// same Philox-generated maps (256x256 images), parity and timings as JSON; also writes the data as
// .npy for the torchmetrics comparison (torch_reference.py).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AnomalyEngine.Compute;
using AnomalyEngine.Metrics;

long pixels = long.Parse(args.Length > 0 ? args[0] : "10000000", CultureInfo.InvariantCulture);
string outDir = args.Length > 1 ? args[1] : "gpu-check-out";
Directory.CreateDirectory(outDir);
const int Side = 256, N = Side * Side;
int images = (int)((pixels + N - 1) / N);
var scores = new float[(long)images * N];
var masks = new byte[scores.Length];
Parallel.For(0, images, i =>
{
    // A square defect on 40% of the images; scores N(0,1) + 2.5 on the defect, on a 1/256 grid (ties).
    bool defective = Philox.Uniform(3, 1, (uint)i, 0) < 0.4f;
    int cx = (int)(Philox.Bits64(3, 2, (uint)i, 0) % Side), cy = (int)(Philox.Bits64(3, 2, (uint)i, 1) % Side), r = 2 + (int)(Philox.Bits64(3, 2, (uint)i, 2) % 30);
    for (int p = 0; p < N; p++)
    {
        int x = p % Side, y = p / Side;
        byte m = defective && Math.Abs(x - cx) <= r && Math.Abs(y - cy) <= r ? (byte)1 : (byte)0;
        masks[(long)i * N + p] = m;
        scores[(long)i * N + p] = MathF.Round((Philox.Normal(3, 0, (uint)i, (uint)p) + 2.5f * m) * 256f) / 256f;
    }
});

MetricSet Run(ComputeDevice? device, out double seconds)
{
    var sw = Stopwatch.StartNew();
    var acc = new PixelMetricAccumulator(images * N);
    for (int i = 0; i < images; i++) acc.Add(scores.AsSpan(i * N, N), masks.AsSpan(i * N, N), Side, Side);
    var m = acc.Compute(new MetricOptions { Device = device });
    seconds = sw.Elapsed.TotalSeconds;
    return m;
}

using var cuda = ComputeDevice.Create(DevicePreference.Cuda);
Run(null, out _); Run(cuda, out _); // warm-up (JIT, PTX)
var cpuTimes = new List<double>(); var gpuTimes = new List<double>();
MetricSet cpu = null!, gpu = null!;
for (int rep = 0; rep < 5; rep++)
{
    cpu = Run(null, out double tc); cpuTimes.Add(tc);
    gpu = Run(cuda, out double tg); gpuTimes.Add(tg);
}
static double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }
string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
var json = new StringBuilder("{");
json.Append($"\"device\": \"{cuda.Name}\", \"pixels\": {scores.LongLength}, ");
json.Append($"\"cpu_s\": {R(Median(cpuTimes))}, \"cuda_s\": {R(Median(gpuTimes))}, ");
foreach (var (k, c, g) in new[] { ("auroc", cpu.Auroc, gpu.Auroc), ("ap", cpu.AveragePrecision, gpu.AveragePrecision), ("aupro", cpu.Aupro, gpu.Aupro), ("f1Max", cpu.F1Max, gpu.F1Max) })
    json.Append($"\"{k}_cpu\": {R(c.Value)}, \"{k}_cuda\": {R(g.Value)}, ");
json.Append($"\"identical\": {(cpu.Auroc == gpu.Auroc && cpu.AveragePrecision == gpu.AveragePrecision && cpu.Aupro == gpu.Aupro && cpu.F1Max == gpu.F1Max ? "true" : "false")}}}");
File.WriteAllText(Path.Combine(outDir, "csharp.json"), json.ToString());
Console.WriteLine(json);

void SaveNpy<T>(string name, T[] data, string descr) where T : unmanaged
{
    string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({data.LongLength},), }}";
    header = header.PadRight(((10 + header.Length + 1 + 63) / 64) * 64 - 10 - 1) + "\n";
    using var f = File.Create(Path.Combine(outDir, name));
    f.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, (byte)(header.Length >> 8)]);
    f.Write(Encoding.ASCII.GetBytes(header));
    f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
}
SaveNpy("scores.npy", scores, "<f4");
SaveNpy("masks.npy", masks, "|u1");
