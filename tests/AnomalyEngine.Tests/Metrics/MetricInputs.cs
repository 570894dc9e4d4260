using System.Text.Json;
using AnomalyEngine.Compute;

namespace AnomalyEngine.Tests.Metrics;

/// <summary>The inputs of tools/metrics_reference.py, regenerated from the same seeds and integer formulas.</summary>
internal static class MetricInputs
{
    public static (uint Hi, uint Lo) Bits(ulong seed, uint stream, uint step, uint element)
    {
        ulong w = Philox.Bits64(seed, stream, step, element);
        return ((uint)(w >> 32), (uint)w);
    }

    public static (float[] Scores, bool[] Labels) ImageCase(JsonElement p)
    {
        ulong seed = p.GetProperty("seed").GetUInt64();
        int n = p.GetProperty("n").GetInt32();
        uint levels = p.GetProperty("levels").GetUInt32(), shift = p.GetProperty("shift").GetUInt32(), permille = p.GetProperty("positivePermille").GetUInt32();
        var scores = new float[n];
        var labels = new bool[n];
        for (uint i = 0; i < n; i++)
        {
            var (hi, lo) = Bits(seed, 0, 0, i);
            labels[i] = lo % 1000 < permille;
            uint q = hi % levels + (labels[i] ? shift : 0);
            scores[i] = (float)q / (float)(levels + shift);
        }
        return (scores, labels);
    }

    public static byte[] PixelMask(JsonElement p, uint k)
    {
        ulong seed = p.GetProperty("seed").GetUInt64();
        int w = p.GetProperty("width").GetInt32(), h = p.GetProperty("height").GetInt32();
        int count = (int)(Bits(seed, 2, k, 0).Hi % (uint)(p.GetProperty("maxEllipses").GetInt32() + 1));
        var mask = new byte[w * h];
        for (uint e = 0; e < count; e++)
        {
            var (hi, lo) = Bits(seed, 1, k, e);
            long cx = hi % w, cy = (hi >> 16) % h;
            long rx = 1 + ((lo >> 8) & 0xFF) % Math.Max(1, w / 4), ry = 1 + (lo & 0xFF) % Math.Max(1, h / 4);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if ((x - cx) * (x - cx) * ry * ry + (y - cy) * (y - cy) * rx * rx <= rx * rx * ry * ry)
                        mask[y * w + x] = 1;
        }
        return mask;
    }

    public static float[] PixelScores(JsonElement p, uint k, byte[] mask)
    {
        ulong seed = p.GetProperty("seed").GetUInt64();
        uint levels = p.GetProperty("levels").GetUInt32(), shift = p.GetProperty("shift").GetUInt32();
        var scores = new float[mask.Length];
        for (uint i = 0; i < mask.Length; i++)
        {
            uint q = Bits(seed, 0, k, i).Hi % levels + (mask[i] != 0 ? shift : 0);
            scores[i] = (float)q / (float)(levels + shift);
        }
        return scores;
    }

    /// <summary>((7x + 13y + 31k) % 97 + 40 if anomalous) / 137 in float32, as in the script.</summary>
    public static float[] PositionScores(byte[] mask, int width, int height, int k)
    {
        var scores = new float[mask.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                long q = ((long)x * 7 + (long)y * 13 + (long)k * 31) % 97 + (mask[y * width + x] != 0 ? 40 : 0);
                scores[y * width + x] = (float)q / 137f;
            }
        return scores;
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AnomalyEngine.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("AnomalyEngine.sln not found above the test binaries.");
    }

    public static JsonDocument Fixture(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "metrics", name)));
}
