using System.ComponentModel;
using System.Globalization;
using AnomalyEngine.Compute;
using AnomalyEngine.Data;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;
using AnomalyEngine.Generation;
using AnomalyEngine.Native;
using Spectre.Console;
using Spectre.Console.Cli;
using System.Text.Json.Nodes;

namespace AnomalyEngine.Cli.Commands;

/// <summary>`anomaly-engine generate`: stage 2, synthetic defects on normal images, as an MVTec-layout dataset.</summary>
internal sealed class GenerateCommand : Command<GenerateCommand.Settings>
{
    public sealed class Settings : BundleSettings
    {
        [CommandOption("--embedding <FILE>")]
        [Description("A learned <defect>.embedding.json (repeat for several defect types).")]
        public string[] Embeddings { get; init; } = [];

        [CommandOption("--embeddings <DIR>")]
        [Description("Every *.embedding.json in a folder.")]
        public string? EmbeddingDir { get; init; }

        [CommandOption("--data <DIR>")]
        [Description("An MVTec-layout category folder: its train/good images are the normal images.")]
        public string? Data { get; init; }

        [CommandOption("--normal <DIR>")]
        [Description("A plain folder of normal images (instead of --data).")]
        public string? Normal { get; init; }

        [CommandOption("--limit <N>")]
        [Description("Use only the first N normal images (sorted by name). Default: all.")]
        public int? Limit { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder: <category>/test/<defect>, <category>/ground_truth/<defect>, manifest.jsonl.")]
        public string? Out { get; init; }

        [CommandOption("--category <NAME>")]
        [Description("Category folder name in the output. Default: the --data folder's name, else \"generated\".")]
        public string? Category { get; init; }

        [CommandOption("--boxes <N>")]
        [Description("Boxes per image and defect. Default 2.")]
        [DefaultValue(2)]
        public int Boxes { get; init; } = 2;

        [CommandOption("--samples <M>")]
        [Description("Samples per box. Default 2.")]
        [DefaultValue(2)]
        public int Samples { get; init; } = 2;

        [CommandOption("--box-size <RANGES>")]
        [Description("wmin,wmax,hmin,hmax as fractions of the image side, for every defect. Default: from each embedding's support masks.")]
        public string? BoxSize { get; init; }

        [CommandOption("--region <MODE>")]
        [Description("Where boxes may go: foreground (Otsu + closing, for objects) | whole (textures) | template. Default foreground.")]
        [DefaultValue("foreground")]
        public string Region { get; init; } = "foreground";

        [CommandOption("--region-template <FILE>")]
        [Description("With --region template: a mask image, white where defects may go.")]
        public string? RegionTemplate { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Sampling steps. Default 50.")]
        [DefaultValue(50)]
        public int Steps { get; init; } = 50;

        [CommandOption("--scheduler <NAME>")]
        [Description("ddim | ddpm. Default ddim.")]
        [DefaultValue("ddim")]
        public string Scheduler { get; init; } = "ddim";

        [CommandOption("--eta <ETA>")]
        [Description("DDIM eta. Default 0.")]
        [DefaultValue(0.0)]
        public double Eta { get; init; }

        [CommandOption("--guidance <W>")]
        [Description("Classifier-free guidance scale. Default 10.")]
        [DefaultValue(10f)]
        public float Guidance { get; init; } = 10f;

        [CommandOption("--strength <S>")]
        [Description("In (0, 1]]; below 1 starts from the re-noised normal image. Default 1.")]
        [DefaultValue(1.0)]
        public double Strength { get; init; } = 1.0;

        [CommandOption("--no-paste-back")]
        [Description("Keep the whole decoded image (the reference's behaviour) instead of the original pixels outside the box.")]
        public bool NoPasteBack { get; init; }

        [CommandOption("--feather <PIXELS>")]
        [Description("Paste-back edge ramp, in bundle pixels. Default 2.")]
        [DefaultValue(2)]
        public int Feather { get; init; } = 2;

        [CommandOption("--refine-threshold <T>")]
        [Description("Also write refined masks: box pixels whose mean absolute change exceeds T (0..1).")]
        public float? RefineThreshold { get; init; }

        [CommandOption("--batch <N>")]
        [Description("Images sampled together. Default 8.")]
        [DefaultValue(8)]
        public int Batch { get; init; } = 8;

        [CommandOption("--seed <N>")]
        [Description("Seed of boxes and noise. Default 0.")]
        [DefaultValue(0UL)]
        public ulong Seed { get; init; }

        [CommandOption("--shard <I/N>")]
        [Description("Do only shard I of N (0-based); shards together write what one run writes.")]
        public string? Shard { get; init; }

        [CommandOption("--merge-shards")]
        [Description("Merge the shard manifests found in --out into manifest.jsonl, then stop.")]
        public bool MergeShards { get; init; }

        [CommandOption("--resume")]
        [Description("Skip the items already in the output's manifest.")]
        public bool Resume { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrEmpty(Out)) return ValidationResult.Error("--out is required: the folder to write the generated dataset into");
            if (MergeShards) return ValidationResult.Success();
            if (Embeddings.Length == 0 && EmbeddingDir is null) return ValidationResult.Error("give the embeddings: --embedding <file> (repeatable) or --embeddings <folder>");
            if ((Data is null) == (Normal is null)) return ValidationResult.Error("give the normal images with exactly one of --data <category> or --normal <folder>");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.MergeShards)
        {
            string merged = AnomalyGenerator.MergeShards(s.Out!);
            if (s.Json) JsonOutput.Write(new JsonObject { ["manifest"] = merged });
            else AnsiConsole.MarkupLineInterpolated($"merged shards into {merged}");
            return 0;
        }
        var embeddingFiles = s.Embeddings.ToList();
        if (s.EmbeddingDir is not null)
        {
            if (!Directory.Exists(s.EmbeddingDir)) throw new InvalidInputException($"--embeddings folder not found: {s.EmbeddingDir}");
            embeddingFiles.AddRange(Directory.GetFiles(s.EmbeddingDir, "*.embedding.json").Order(StringComparer.Ordinal));
        }
        if (embeddingFiles.Count == 0) throw new InvalidInputException($"No *.embedding.json found in {s.EmbeddingDir}.");
        var embeddings = embeddingFiles.Select(f => new EmbeddingSource(AnomalyEmbedding.Load(f), f)).ToList();
        var sources = NormalImages(s);
        var options = new GenerateOptions
        {
            BoxesPerImage = s.Boxes, SamplesPerBox = s.Samples, Seed = s.Seed, BatchSize = s.Batch,
            Region = s.Region.ToLowerInvariant() switch
            {
                "foreground" => AllowedRegion.Foreground,
                "whole" => AllowedRegion.Whole,
                "template" => AllowedRegion.Template,
                _ => throw new InvalidOptionException($"--region must be foreground, whole or template (got \"{s.Region}\")."),
            },
            RegionTemplate = s.RegionTemplate,
            BoxSizes = s.BoxSize is null ? null : ParseBoxSize(s.BoxSize),
            PasteBack = !s.NoPasteBack,
            RefineThreshold = s.RefineThreshold,
            Category = s.Category ?? (s.Data is not null ? new DirectoryInfo(s.Data).Name : "generated"),
            Shard = s.Shard is null ? Shard.All : Shard.Parse(s.Shard),
            Resume = s.Resume,
            Sampler = new SamplerOptions
            {
                Steps = s.Steps, Eta = s.Eta, GuidanceScale = s.Guidance, Strength = s.Strength, FeatherPixels = s.Feather,
                Scheduler = s.Scheduler.ToLowerInvariant() switch
                {
                    "ddim" => SchedulerKind.Ddim,
                    "ddpm" => SchedulerKind.Ddpm,
                    _ => throw new InvalidOptionException($"--scheduler must be ddim or ddpm (got \"{s.Scheduler}\")."),
                },
            },
        };
        var (bundle, graphs, device) = s.Open();
        using var ownGraphs = graphs;
        using var ownDevice = device;
        var generator = new AnomalyGenerator(bundle, graphs.Model(), device, options);

        var summary = StepProgress.Run("generate", 0, "images", progress =>
            generator.Run(sources, embeddings, s.Out!, new GenerateProgressReporter(progress), cancellationToken));
        if (s.Json)
        {
            JsonOutput.Write(new JsonObject
            {
                ["written"] = summary.Written, ["already_done"] = summary.AlreadyDone, ["without_box"] = summary.WithoutBox, ["manifest"] = summary.Manifest,
            });
            return 0;
        }
        AnsiConsole.MarkupLineInterpolated($"wrote {summary.Written} images ({summary.AlreadyDone} already done, {summary.WithoutBox} without a box that fits the region) to {s.Out}; provenance in {summary.Manifest}");
        return 0;
    }

    private static List<NormalImage> NormalImages(Settings s)
    {
        List<NormalImage> list;
        if (s.Data is not null)
        {
            var dataset = MvtecLayout.Read(s.Data);
            list = dataset.Train.Where(x => !x.IsAnomalous)
                .Select(x => new NormalImage(x.ImagePath, Path.GetRelativePath(dataset.Root, x.ImagePath).Replace('\\', '/'))).ToList();
        }
        else
        {
            if (!Directory.Exists(s.Normal)) throw new InvalidInputException($"--normal folder not found: {s.Normal}");
            list = ImageFiles.List(s.Normal!).Select(p => new NormalImage(p, Path.GetFileName(p))).ToList();
        }
        list = list.OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
        if (s.Limit is int limit)
        {
            if (limit < 1) throw new InvalidOptionException($"--limit must be at least 1 (got {limit}).");
            list = list.Take(limit).ToList();
        }
        if (list.Count == 0) throw new InvalidInputException($"No normal images found in {s.Data ?? s.Normal}.");
        return list;
    }

    private static BoxSizeRange ParseBoxSize(string text)
    {
        var parts = text.Split(',');
        if (parts.Length == 4 && parts.All(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            var v = parts.Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            return new BoxSizeRange(v[0], v[1], v[2], v[3]);
        }
        throw new InvalidOptionException($"--box-size must be wmin,wmax,hmin,hmax, e.g. 0.1,0.3,0.05,0.2 (got \"{text}\").");
    }

    private sealed class GenerateProgressReporter(StepProgress progress) : IProgress<GenerateProgress>
    {
        public void Report(GenerateProgress value)
        {
            progress.SetTotal(value.Total);
            progress.Set(value.Done);
        }
    }
}
