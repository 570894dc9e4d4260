using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Native;

public class NativeRuntimeTests
{
    [Fact]
    public void Abi_version_matches_the_header_this_assembly_was_written_for()
    {
        string header = File.ReadAllText(Path.Combine(RepoRoot(), "native", "include", "aenative.h"));
        var match = System.Text.RegularExpressions.Regex.Match(header, @"#define AE_ABI_VERSION (\d+)");
        Assert.True(match.Success);
        Assert.Equal(int.Parse(match.Groups[1].Value), NativeRuntime.AbiVersion);
    }

    [Fact]
    public void Capabilities_report_the_packaged_onnxruntime()
    {
        var caps = NativeRuntime.Capabilities;
        Assert.True(caps.OnnxRuntime);
        Assert.Equal("1.31.1", caps.OnnxRuntimeVersion);
        Assert.Equal(caps.TensorRT, caps.TensorRTVersion is not null);
    }

    [Fact]
    public void Element_types_match_the_native_abi()
    {
        string header = File.ReadAllText(Path.Combine(RepoRoot(), "native", "include", "aenative.h"));
        foreach (var (name, type) in new[] { ("FLOAT32", TensorElementType.Float32), ("INT64", TensorElementType.Int64), ("INT32", TensorElementType.Int32), ("UINT8", TensorElementType.UInt8), ("FLOAT16", TensorElementType.Float16) })
            Assert.Contains($"AE_DTYPE_{name} = {(int)type}", header);
    }

    [Fact]
    public void Building_a_plan_without_TensorRT_throws_DeviceUnavailableException()
    {
        if (NativeRuntime.Capabilities.TensorRT)
            return; // A TensorRT build: building is checked on GPU machines instead.
        string plan = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.plan");
        var e = Assert.Throws<DeviceUnavailableException>(() => NativeRuntime.BuildTensorRTPlan(Fixture.DynamicBatch, plan, [new ShapeProfile("x", [1, 4], [8, 4], [64, 4])]));
        Assert.Contains("TensorRT", e.Message);
        Assert.False(File.Exists(plan));
    }

    [Fact]
    public void A_profile_with_mismatched_ranks_is_rejected()
    {
        Assert.Throws<InvalidOptionException>(() => NativeRuntime.BuildTensorRTPlan(Fixture.DynamicBatch, "unused.plan", [new ShapeProfile("x", [1, 4], [8], [64, 4])]));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AnomalyEngine.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("AnomalyEngine.sln not found above the test folder");
    }
}
