using System.Text.Json.Nodes;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using AnomalyEngine.Detection;
using AnomalyEngine.Detection.Backbone;
using AnomalyEngine.Detection.Head;
using AnomalyEngine.Detection.PatchCore;
using AnomalyEngine.Detection.Synthesis;
using AnomalyEngine.Generation;
using AnomalyEngine.Imaging;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>`anomaly-engine train`: fits detector A (patchcore) or trains detector B (head) and writes a detector bundle.</summary>
internal sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--normals <DIR>"), Description("Folder of normal training images (e.g. <category>/train/good).")]
        public string? Normals { get; init; }

        [CommandOption("-o|--out <DIR>"), Description("Detector bundle folder to write.")]
        public string? Out { get; init; }

        [CommandOption("--detector <KIND>"), Description("head (detector B, default) or patchcore (detector A, normal images only).")]
        public string Detector { get; init; } = "head";

        [CommandOption("--generated <DIR>"), Description("Output folder of `generate` (manifest*.jsonl with images and box masks), for the head.")]
        public string? Generated { get; init; }

        [CommandOption("--height <PIXELS>"), Description("Height images are resized to (multiple of 16). Default 256.")]
        public int Height { get; init; } = 256;

        [CommandOption("--width <PIXELS>"), Description("Width images are resized to (multiple of 16). Default 256.")]
        public int Width { get; init; } = 256;

        [CommandOption("--perlin <SHARE>"), Description("Share of Perlin samples (head). Default 0.25 with --generated, else 0.5.")]
        public string? Perlin { get; init; }

        [CommandOption("--generated-share <SHARE>"), Description("Share of generated samples (head). Default 0.25 with --generated, else 0.")]
        public string? GeneratedShare { get; init; }

        [CommandOption("--steps <N>"), Description("Training steps (head). Default 300.")]
        public int Steps { get; init; } = 300;

        [CommandOption("--batch <N>"), Description("Images per step (head). Default 8.")]
        public int Batch { get; init; } = 8;

        [CommandOption("--warmup <N>"), Description("Steps before the weak-supervision rule applies (head). Default 50.")]
        public int Warmup { get; init; } = 50;

        [CommandOption("--gamma <G>"), Description("Focal loss gamma (head). Default 2.")]
        public string Gamma { get; init; } = "2";

        [CommandOption("--coreset <FRACTION>"), Description("Memory bank fraction (patchcore). Default 0.1.")]
        public string Coreset { get; init; } = "0.1";

        [CommandOption("--seed <N>"), Description("Random seed. Default 0.")]
        public ulong Seed { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(s.Normals) || !Directory.Exists(s.Normals))
            throw new InvalidOptionException("--normals must name a folder of normal training images.");
        if (string.IsNullOrEmpty(s.Out))
            throw new InvalidOptionException("--out is required: the detector bundle folder to write.");
        if (s.Height % ResNet18Backbone.SizeMultiple != 0 || s.Width % ResNet18Backbone.SizeMultiple != 0 || s.Height <= 0 || s.Width <= 0)
            throw new InvalidOptionException($"--height and --width must be positive multiples of {ResNet18Backbone.SizeMultiple} (got {s.Width}x{s.Height}).");
        var files = AnomalyEngine.Data.ImageFiles.List(s.Normals);
        if (files.Count == 0)
            throw new InvalidInputException($"'{s.Normals}' holds no .png/.jpg/.bmp images.");
        var normals = files.Select(f => DetectionInput.Resize(ImageCodec.ReadImage(f, 3), s.Height, s.Width)).ToList();
        var clock = Stopwatch.StartNew();
        using var backbone = ResNet18Backbone.Open();
        IAnomalyDetector detector;
        switch (s.Detector.ToLowerInvariant())
        {
            case "patchcore":
                detector = PatchCoreDetector.Fit(backbone, normals, new PatchCoreOptions { CoresetFraction = Number(s.Coreset, "--coreset"), Seed = s.Seed });
                break;
            case "head":
                var generated = s.Generated is null ? [] : LoadGenerated(s.Generated, s.Height, s.Width);
                bool any = generated.Count > 0;
                var options = new HeadTrainingOptions
                {
                    Steps = s.Steps, BatchSize = s.Batch, WarmupSteps = s.Warmup, FocalGamma = Number(s.Gamma, "--gamma"), Seed = s.Seed,
                    PerlinFraction = s.Perlin is null ? (any ? 0.25f : 0.5f) : Number(s.Perlin, "--perlin"),
                    GeneratedFraction = s.GeneratedShare is null ? (any ? 0.25f : 0f) : Number(s.GeneratedShare, "--generated-share"),
                };
                detector = StepProgress.Run("train head", options.Steps, "steps", progress =>
                    HeadDetector.Train(backbone, normals, generated, new SurfaceTextureSource(), options, progress.As<HeadTrainingProgress>(p => p.Step)));
                break;
            default:
                throw new InvalidOptionException($"--detector must be head or patchcore, got '{s.Detector}'.");
        }
        detector.Save(s.Out);
        (detector as IDisposable)?.Dispose();
        if (s.Json)
            JsonOutput.Write(new JsonObject { ["detector"] = s.Detector, ["bundle"] = s.Out, ["images"] = normals.Count, ["seconds"] = clock.Elapsed.TotalSeconds });
        else
            AnsiConsole.MarkupLineInterpolated($"trained {s.Detector} on {normals.Count} images ({s.Width}x{s.Height}) in {clock.Elapsed.TotalSeconds:F1} s; wrote {s.Out}");
        return 0;
    }

    private static float Number(string text, string option) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
            ? v : throw new InvalidOptionException($"{option} must be a number, got '{text}'.");

    internal static List<GeneratedAnomaly> LoadGenerated(string folder, int height, int width)
    {
        // The merged manifest when there is one, else the shard manifests of an unmerged run.
        string merged = Path.Combine(folder, "manifest.jsonl");
        var manifests = File.Exists(merged) ? [merged] : Directory.GetFiles(folder, "manifest*.jsonl");
        if (manifests.Length == 0)
            throw new InvalidInputException($"'{folder}' has no manifest.jsonl: point --generated at the output folder of `generate`.");
        var result = new List<GeneratedAnomaly>();
        foreach (var entry in manifests.Order(StringComparer.Ordinal).SelectMany(GenerationManifest.Read))
        {
            var image = ImageCodec.ReadImage(Path.Combine(folder, entry.Image), 3);
            var mask = ImageCodec.ReadMask(Path.Combine(folder, entry.Mask));
            if (mask.Height != image.Height || mask.Width != image.Width)
                throw new InvalidInputException($"The mask of '{entry.Image}' is {mask.Width}x{mask.Height}; the image is {image.Width}x{image.Height}.");
            result.Add(new GeneratedAnomaly(DetectionInput.Resize(image, height, width), DetectionInput.ResizeMask(mask.Data, mask.Height, mask.Width, height, width)));
        }
        return result;
    }
}
