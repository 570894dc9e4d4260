using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// `anomaly-engine build-engine`: ONNX → TensorRT plan, for one graph or for each component of a
/// bundle (whose manifest then names the plans), with a min/opt/max profile on the batch dimension.
/// </summary>
internal sealed class BuildEngineCommand : Command<BuildEngineCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--graph <ONNX>"), Description("One ONNX graph to build (instead of --bundle).")]
        public string? Graph { get; init; }

        [CommandOption("--bundle <DIR>"), Description("A diffusion bundle: builds <component>.plan beside each graph and names it in manifest.json.")]
        public string? Bundle { get; init; }

        [CommandOption("--components <LIST>"), Description("Bundle components to build, comma-separated (default: every component the bundle has).")]
        public string? Components { get; init; }

        [CommandOption("-o|--out <PLAN>"), Description("Plan file for --graph (default: the graph's path with .plan).")]
        public string? Out { get; init; }

        [CommandOption("--min-batch <N>"), Description("Smallest batch the plan accepts. Default 1.")]
        [DefaultValue(1)]
        public int MinBatch { get; init; } = 1;

        [CommandOption("--opt-batch <N>"), Description("Batch the plan is tuned for. Default 4.")]
        [DefaultValue(4)]
        public int OptBatch { get; init; } = 4;

        [CommandOption("--max-batch <N>"), Description("Largest batch the plan accepts. Default 8.")]
        [DefaultValue(8)]
        public int MaxBatch { get; init; } = 8;

        [CommandOption("--fp16"), Description("Allow half-precision kernels (faster; check the results with bench and eval).")]
        public bool Fp16 { get; init; }

        [CommandOption("--gpu <ID>"), Description("CUDA device to build for. Default 0.")]
        [DefaultValue(0)]
        public int Gpu { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrEmpty(Graph) == string.IsNullOrEmpty(Bundle))
                return ValidationResult.Error("give exactly one of --graph <file.onnx> or --bundle <dir>");
            if (Out is not null && Bundle is not null)
                return ValidationResult.Error("--out applies to --graph only; bundle plans go beside their graphs");
            if (Components is not null && Graph is not null)
                return ValidationResult.Error("--components applies to --bundle only");
            if (!(MinBatch >= 1 && MinBatch <= OptBatch && OptBatch <= MaxBatch))
                return ValidationResult.Error($"batch sizes must satisfy 1 <= --min-batch <= --opt-batch <= --max-batch, got {MinBatch}, {OptBatch}, {MaxBatch}");
            if (Gpu < 0)
                return ValidationResult.Error($"--gpu must be >= 0, got {Gpu}");
            return ValidationResult.Success();
        }
    }

    private sealed record Job(string Component, string Onnx, string Plan);

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        ModelBundle? bundle = s.Bundle is null ? null : ModelBundle.Open(s.Bundle);
        var jobs = bundle is null ? [GraphJob(s)] : BundleJobs(bundle, s.Components);
        var caps = NativeRuntime.Capabilities;
        if (!caps.TensorRT)
            throw new DeviceUnavailableException(
                "TensorRT is not available: this libaenative was built without it. Install TensorRT 10 and the CUDA toolkit on an NVIDIA machine and rebuild with ./build.sh; " +
                "the ONNX graphs keep working on ONNX Runtime meanwhile.");
        if (caps.CudaDevices <= s.Gpu)
            throw new DeviceUnavailableException($"--gpu {s.Gpu} does not exist: this machine has {caps.CudaDevices} CUDA device(s).");

        var built = new JsonArray();
        StepProgress.Run("build-engine", jobs.Count, "graphs", progress =>
        {
            foreach (var job in jobs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                var profiles = Profiles(job.Onnx, s.MinBatch, s.OptBatch, s.MaxBatch);
                NativeRuntime.BuildTensorRTPlan(job.Onnx, job.Plan, profiles, s.Fp16, s.Gpu);
                built.Add(new JsonObject
                {
                    ["component"] = job.Component,
                    ["onnx"] = job.Onnx,
                    ["plan"] = job.Plan,
                    ["bytes"] = new FileInfo(job.Plan).Length,
                    ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
                });
                progress.Advance();
            }
            return 0;
        });
        if (bundle is not null)
            NamePlans(bundle.Directory, jobs);

        var result = new JsonObject
        {
            ["tensorRT"] = caps.TensorRTVersion,
            ["fp16"] = s.Fp16,
            ["batch"] = new JsonObject { ["min"] = s.MinBatch, ["opt"] = s.OptBatch, ["max"] = s.MaxBatch },
            ["plans"] = built,
        };
        if (s.Json)
        {
            JsonOutput.Write(result);
            return 0;
        }
        foreach (var plan in built)
            AnsiConsole.MarkupLineInterpolated($"wrote {(string)plan!["plan"]!} ({(long)plan["bytes"]! / 1024} KiB, {((double)plan["seconds"]!).ToString("F1", CultureInfo.InvariantCulture)} s)");
        return 0;
    }

    private static Job GraphJob(Settings s)
    {
        string onnx = Path.GetFullPath(s.Graph!);
        if (!File.Exists(onnx))
            throw new ModelException($"graph '{s.Graph}' does not exist: give the path of an .onnx file");
        return new Job(Path.GetFileNameWithoutExtension(onnx), onnx, Path.GetFullPath(s.Out ?? Path.ChangeExtension(onnx, ".plan")));
    }

    private static List<Job> BundleJobs(ModelBundle bundle, string? components)
    {
        var names = components is null
            ? ModelBundle.Components.Where(c => bundle.GraphPath(c) is not null).ToList()
            : components.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var jobs = new List<Job>();
        foreach (string c in names)
        {
            string onnx = bundle.GraphPath(c)
                ?? throw new InvalidOptionException($"bundle '{bundle.Id}' has no component '{c}'; it has {string.Join(", ", ModelBundle.Components.Where(n => bundle.GraphPath(n) is not null))}");
            jobs.Add(new Job(c, onnx, Path.Combine(bundle.Directory, c + ".plan")));
        }
        return jobs;
    }

    /// <summary>One profile per input whose first dimension is dynamic (the batch, docs/bundle-format.md).</summary>
    internal static List<ShapeProfile> Profiles(string onnx, int min, int opt, int max)
    {
        using var graph = GraphSession.Open(onnx, new GraphSessionOptions { Backend = GraphBackend.OnnxRuntime, Threads = 1 });
        var profiles = new List<ShapeProfile>();
        foreach (var input in graph.Inputs)
        {
            if (input.Shape.Skip(1).Any(d => d < 0))
                throw new ModelException($"input '{input.Name}' of '{onnx}' has a dynamic dimension other than the batch ({input}); export it with fixed sizes");
            if (input.Shape.Length == 0 || input.Shape[0] >= 0)
                continue;
            long[] With(long b) => [b, .. input.Shape.Skip(1)];
            profiles.Add(new ShapeProfile(input.Name, With(min), With(opt), With(max)));
        }
        return profiles;
    }

    /// <summary>Sets components.&lt;name&gt;.plan in manifest.json (temp file + rename).</summary>
    private static void NamePlans(string directory, List<Job> jobs)
    {
        string manifest = Path.Combine(directory, "manifest.json");
        var root = JsonNode.Parse(File.ReadAllText(manifest))!;
        foreach (var job in jobs)
            root["components"]![job.Component]!["plan"] = Path.GetFileName(job.Plan);
        string temp = manifest + ".tmp";
        File.WriteAllText(temp, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, manifest, overwrite: true);
    }
}
