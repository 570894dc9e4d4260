using AnomalyEngine.Cli.Commands;
using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Native;

public class InfoCommandTests
{
    [Fact]
    public void Info_report_names_the_runtime_versions_and_back_ends()
    {
        var report = InfoCommand.Collect();
        var native = report["native"]!;
        Assert.Null(native["error"]);
        Assert.Equal("1.31.1", (string)native["onnxRuntimeVersion"]!);
        Assert.Equal(NativeRuntime.AbiVersion, (int)native["abiVersion"]!);
        Assert.Equal(NativeRuntime.Capabilities.TensorRT, (bool)native["tensorRT"]!);
        Assert.Contains(report["devices"]!.AsArray(), d => (string)d!["kind"]! == "cpu");
        Assert.StartsWith(".NET", (string)report["dotnet"]!);
    }
}
