// Reads <fixture>/cases.json (written by tools/ldm/parity.py), runs every case's graph through
// ONNX Runtime on the CPU and prints one JSON line per case with the largest absolute difference
// and the relative error max|ort - expected| / max|expected|. Exit code 0 unless a file is bad.
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: OrtCheck <fixture folder with cases.json>");
    return 2;
}
var root = args[0];
using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "cases.json")));
foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
{
    var graph = Path.GetFullPath(Path.Combine(root, c.GetProperty("graph").GetString()!));
    using var options = new SessionOptions { IntraOpNumThreads = 1 };
    using var session = new InferenceSession(graph, options);
    var inputs = new List<NamedOnnxValue>();
    foreach (var i in c.GetProperty("inputs").EnumerateArray())
    {
        var shape = i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        var file = Path.Combine(root, i.GetProperty("file").GetString()!);
        var name = i.GetProperty("name").GetString()!;
        var bytes = File.ReadAllBytes(file);
        if (i.GetProperty("dtype").GetString() == "int64")
        {
            var data = new long[bytes.Length / 8];
            Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
            inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(data, shape)));
        }
        else
        {
            var data = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
            inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(data, shape)));
        }
    }
    using var results = session.Run(inputs);
    foreach (var o in c.GetProperty("outputs").EnumerateArray())
    {
        var name = o.GetProperty("name").GetString()!;
        var bytes = File.ReadAllBytes(Path.Combine(root, o.GetProperty("file").GetString()!));
        var expected = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, expected, 0, bytes.Length);
        var got = results.First(r => r.Name == name).AsTensor<float>().ToArray();
        if (got.Length != expected.Length)
        {
            Console.Error.WriteLine($"{c.GetProperty("name").GetString()}: {name} has {got.Length} values, expected {expected.Length}");
            return 3;
        }
        double maxAbs = 0, maxRef = 0;
        for (int k = 0; k < got.Length; k++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs((double)got[k] - expected[k]));
            maxRef = Math.Max(maxRef, Math.Abs((double)expected[k]));
        }
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            @case = c.GetProperty("name").GetString(),
            output = name,
            max_abs = maxAbs,
            rel = maxAbs / Math.Max(maxRef, 1e-30),
        }));
    }
}
return 0;
