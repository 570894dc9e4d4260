using System.Diagnostics;
using AnomalyEngine.Native;
using Microsoft.ML.OnnxRuntime;

namespace AnomalyEngine.Bench;

/// <summary>
/// The comparison of <see cref="InteropBenchmarks"/> with the two paths interleaved in blocks of
/// 20 calls, so that load from other processes on a shared machine hits both alike (BenchmarkDotNet
/// measures one path after the other). Prints the median µs per call of each and their ratio.
/// Run: dotnet run -c Release --project bench/AnomalyEngine.Bench -- interop-alternate
/// </summary>
internal static class InteropAlternation
{
    public static void Run()
    {
        foreach (var (graph, inShape, outShape) in new[]
                 {
                     ("elementwise", new long[] { 2, 3 }, new long[] { 2, 3 }),
                     ("small_conv", new long[] { 1, 3, 32, 32 }, new long[] { 1, 4, 30, 30 }),
                 })
        {
            string path = Path.Combine(InteropBenchmarks.RepoRoot(), "tests", "AnomalyEngine.Tests", "Fixtures", graph + ".onnx");
            var x = new float[inShape.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < x.Length; i++)
                x[i] = MathF.Sin(0.1f * i);
            int outLength = (int)outShape.Aggregate(1L, (a, b) => a * b);
            var yOurs = new float[outLength];
            var yOrt = new float[outLength];

            using var ours = GraphSession.Open(path, new GraphSessionOptions { Threads = 1 });
            HostTensor[] hostIn = [HostTensor.Float("x", x, inShape)], hostOut = [HostTensor.Float("y", yOurs, outShape)];
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            using var ort = new InferenceSession(path, options);
            using var runOptions = new RunOptions();
            string[] inNames = ["x"], outNames = ["y"];
            using var xValue = OrtValue.CreateTensorValueFromMemory(x, inShape);
            using var yValue = OrtValue.CreateTensorValueFromMemory(yOrt, outShape);
            OrtValue[] inValues = [xValue], outValues = [yValue];

            const int rounds = 400, warmupRounds = 20, block = 20;
            var oursUs = new List<double>();
            var ortUs = new List<double>();
            var clock = new Stopwatch();
            for (int round = 0; round < rounds; round++)
            {
                for (int k = 0; k < 2; k++)
                {
                    bool runOurs = (k == 0) == (round % 2 == 0); // alternate which path goes first
                    clock.Restart();
                    for (int i = 0; i < block; i++)
                    {
                        if (runOurs)
                            ours.Run(hostIn, hostOut);
                        else
                            ort.Run(runOptions, inNames, inValues, outNames, outValues);
                    }
                    if (round >= warmupRounds)
                        (runOurs ? oursUs : ortUs).Add(clock.Elapsed.TotalMicroseconds / block);
                }
            }
            if (!yOurs.AsSpan().SequenceEqual(yOrt))
                throw new InvalidOperationException($"{graph}: the two paths disagree");
            double a = Median(oursUs), b = Median(ortUs);
            Console.WriteLine($"{graph,-12} GraphSession {a,8:F2} us   ORT managed {b,8:F2} us   added {a - b,6:F2} us   ratio {a / b:F3}");
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
