using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.ComponentModel;
using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// `anomaly-engine info`: versions, compute devices and graph back ends of this machine; with
/// --bundle, also a bundle's sizes and components, every graph checked against the manifest.
/// </summary>
internal sealed class InfoCommand : Command<InfoCommand.Settings>
{
    internal sealed class Settings : CommonSettings
    {
        [CommandOption("--bundle <DIR>")]
        [Description("Also describe this bundle and check every graph against its manifest (\"default\": the embedded one).")]
        public string? Bundle { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var report = Collect();
        if (settings.Bundle is not null)
            report["bundle"] = DescribeBundle(BundleLocation.Resolve(settings.Bundle == "default" ? null : settings.Bundle));
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
        if (report["bundle"] is JsonObject bundle)
            AnsiConsole.Write(BundleTable(bundle));
        return 0;
    }

    /// <summary>A bundle's facts; opening its graphs checks each one's inputs and outputs (a mismatch is a ModelException, exit 4).</summary>
    internal static JsonObject DescribeBundle(string directory)
    {
        var b = ModelBundle.Open(directory);
        using (BundleGraphs.Open(b, new GraphSessionOptions { Backend = GraphBackend.OnnxRuntime, Threads = 1 })) { }
        var components = new JsonArray();
        foreach (var c in ModelBundle.Components)
            if (b.GraphPath(c) is { } onnx)
                components.Add(new JsonObject { ["name"] = c, ["onnx"] = Path.GetFileName(onnx), ["plan"] = b.PlanPath(c) is { } plan ? Path.GetFileName(plan) : null });
        return new JsonObject
        {
            ["id"] = b.Id,
            ["directory"] = Path.GetFullPath(b.Directory),
            ["space"] = b.Space == BundleSpace.Latent ? "latent" : "pixel",
            ["image"] = $"{b.ImageChannels}x{b.ImageSize}x{b.ImageSize}",
            ["latent"] = $"{b.LatentChannels}x{b.LatentSize}x{b.LatentSize}",
            ["scaleFactor"] = b.ScaleFactor,
            ["conditioning"] = $"{b.Tokens}x{b.Width}",
            ["placeholderSlot"] = b.PlaceholderSlot,
            ["vocabulary"] = b.VocabularyNames.Count,
            ["schedule"] = $"{b.BetaSchedule} {b.BetaStart}..{b.BetaEnd} over {b.TrainSteps}, {b.Prediction}",
            ["components"] = components,
            ["learnGradient"] = b.HasUnetLossGrad ? "exact, fused (unet_loss_grad: one call per step)"
                : b.HasUnetGrad ? "exact (unet + unet_grad: two calls per step)"
                : "gradient-free only (no gradient graph)",
        };
    }

    private static Table BundleTable(JsonObject b)
    {
        var table = new Table().AddColumn("bundle").AddColumn(Markup.Escape((string)b["id"]!)).Border(TableBorder.Simple);
        foreach (var key in new[] { "directory", "space", "image", "latent", "scaleFactor", "conditioning", "placeholderSlot", "vocabulary", "schedule", "learnGradient" })
            table.AddRow(key, Markup.Escape(b[key]!.ToString()));
        foreach (var c in b["components"]!.AsArray())
            table.AddRow(Markup.Escape((string)c!["name"]!), Markup.Escape($"{c["onnx"]}{(c["plan"] is { } plan ? $", plan {plan}" : "")} (checked)"));
        return table;
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
