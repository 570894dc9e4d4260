using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using AnomalyEngine.Compute;
using AnomalyEngine.Native;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>`anomaly-engine info`: versions, compute devices and graph back ends of this machine.</summary>
internal sealed class InfoCommand : Command<InfoCommand.Settings>
{
    internal sealed class Settings : CommonSettings
    {
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var report = Collect();
        if (settings.Json)
        {
            JsonOutput.Write(report);
            return 0;
        }
        var table = new Table().AddColumn("item").AddColumn("value").HideHeaders().Border(TableBorder.Simple);
        table.AddRow("anomaly-engine", Markup.Escape((string)report["version"]!));
        table.AddRow(".NET", Markup.Escape((string)report["dotnet"]!));
        table.AddRow("OS", Markup.Escape((string)report["os"]!));
        foreach (var device in report["devices"]!.AsArray())
            table.AddRow("device", Markup.Escape($"{device!["kind"]}: {device["name"]}{Memory((long)device["memoryBytes"]!)}"));
        var native = report["native"]!;
        if (native["error"] is { } error)
        {
            table.AddRow("native runtime", $"[red]unavailable[/]: {Markup.Escape((string)error!)}");
        }
        else
        {
            table.AddRow("native ABI", native["abiVersion"]!.ToString());
            table.AddRow("ONNX Runtime", Markup.Escape($"{native["onnxRuntimeVersion"]} (CUDA provider: {YesNo(native["onnxRuntimeCuda"])})"));
            table.AddRow("TensorRT", (bool)native["tensorRT"]!
                ? Markup.Escape($"{native["tensorRTVersion"]} ({native["cudaDevices"]} CUDA device(s))")
                : "not built in");
            table.AddRow("CUDA for graphs", YesNo(native["cudaUsable"]));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>Everything the verb prints, as JSON; never throws for a missing native library or GPU.</summary>
    internal static JsonObject Collect()
    {
        var report = new JsonObject
        {
            ["version"] = typeof(GraphSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                          ?? typeof(GraphSession).Assembly.GetName().Version?.ToString() ?? "unknown",
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = $"{RuntimeInformation.OSDescription} ({RuntimeInformation.RuntimeIdentifier})",
        };
        var devices = new JsonArray();
        try
        {
            foreach (var d in AcceleratorInfo.List())
                devices.Add(new JsonObject { ["name"] = d.Name, ["kind"] = d.Kind, ["memoryBytes"] = d.MemoryBytes });
        }
        catch (Exception e)
        {
            report["devicesError"] = e.Message;
        }
        report["devices"] = devices;
        try
        {
            var caps = NativeRuntime.Capabilities;
            report["native"] = new JsonObject
            {
                ["abiVersion"] = caps.AbiVersion,
                ["onnxRuntime"] = caps.OnnxRuntime,
                ["onnxRuntimeVersion"] = caps.OnnxRuntimeVersion,
                ["onnxRuntimeCuda"] = caps.OnnxRuntimeCuda,
                ["tensorRT"] = caps.TensorRT,
                ["tensorRTVersion"] = caps.TensorRTVersion,
                ["cudaDevices"] = caps.CudaDevices,
                ["cudaUsable"] = caps.CudaUsable,
            };
        }
        catch (AnomalyEngineException e)
        {
            report["native"] = new JsonObject { ["error"] = e.Message };
        }
        return report;
    }

    private static string YesNo(JsonNode? node) => node is not null && (bool)node ? "yes" : "no";

    private static string Memory(long bytes) => bytes > 0 ? $" ({bytes / (1L << 20)} MiB)" : "";
}
