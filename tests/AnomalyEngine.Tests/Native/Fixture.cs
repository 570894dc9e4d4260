namespace AnomalyEngine.Tests.Native;

/// <summary>Paths of the graphs written by tools/make_fixtures.py and copied beside the tests.</summary>
internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string Elementwise => Path("elementwise.onnx");
    public static string DynamicBatch => Path("dynamic_batch.onnx");
    public static string SmallConv => Path("small_conv.onnx");

    /// <summary>y = x W + b + offset with W[i, j] = (i + 1) - 0.5 j and b[j] = 0.25 j (tools/make_fixtures.py).</summary>
    public static float DynamicBatchExpected(float[] x, int row, int j, long offset)
    {
        float sum = 0.25f * j + offset;
        for (int i = 0; i < 4; i++)
            sum += x[row * 4 + i] * ((i + 1) - 0.5f * j);
        return sum;
    }
}
