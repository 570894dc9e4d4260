using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AnomalyEngine.Compute;
using AnomalyEngine.Data;
using AnomalyEngine.Detection;
using AnomalyEngine.Detection.Backbone;
using AnomalyEngine.Detection.Head;
using AnomalyEngine.Detection.Synthesis;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;
using AnomalyEngine.Generation;
using AnomalyEngine.Imaging;
using AnomalyEngine.Metrics;
using AnomalyEngine.Metrics.Evaluation;
using AnomalyEngine.Native;
using AnomalyEngine.Reports;
using AnomalyEngine.Synthesis;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// `anomaly-engine demo`: the whole pipeline on the embedded default bundle — a procedural surface
/// dataset, an embedding for the bundle's held-out defect family from 3 shots, generated anomalies,
/// detector B trained with and without them, evaluation, and one HTML report comparing the two.
/// </summary>
internal sealed class DemoCommand : Command<DemoCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder. Default demo-out.")]
        [DefaultValue("demo-out")]
        public string Out { get; init; } = "demo-out";

        [CommandOption("--bundle <DIR>")]
        [Description("Diffusion bundle. Default: the embedded default bundle.")]
        public string? Bundle { get; init; }

        [CommandOption("--surface <NAME>")]
        [Description("Procedural surface family. Default tile.")]
        [DefaultValue("tile")]
        public string Surface { get; init; } = "tile";

        [CommandOption("--defect <NAME>")]
        [Description("Defect family to learn from 3 shots; the default bundle holds out crack. Default crack.")]
        [DefaultValue("crack")]
        public string Defect { get; init; } = "crack";

        [CommandOption("--size <PIXELS>")]
        [Description("Image side (a multiple of 16). Default 128.")]
        [DefaultValue(128)]
        public int Size { get; init; } = 128;

        [CommandOption("--normals <N>")]
        [Description("Normal training images. Default 24.")]
        [DefaultValue(24)]
        public int Normals { get; init; } = 24;

        [CommandOption("--learn-steps <N>")]
        [Description("Stage-1 steps. Default 400.")]
        [DefaultValue(400)]
        public int LearnSteps { get; init; } = 400;

        [CommandOption("--train-steps <N>")]
        [Description("Detector B training steps per arm. Default 120.")]
        [DefaultValue(120)]
        public int TrainSteps { get; init; } = 120;

        [CommandOption("--seed <N>")]
        [DefaultValue(0UL)]
        [Description("Seed of every stage. Default 0.")]
        public ulong Seed { get; init; }
    }

    private sealed record Arm(string Name, string Key, float Perlin, float Generated);

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        if (s.Size % ResNet18Backbone.SizeMultiple != 0 || s.Size < 64)
            throw new InvalidOptionException($"--size must be a multiple of {ResNet18Backbone.SizeMultiple} and at least 64 (got {s.Size}).");
        var surface = SynthNames.ParseSurfaces(s.Surface);
        var defect = SynthNames.ParseDefects(s.Defect);
        string root = Path.GetFullPath(s.Out);
        Directory.CreateDirectory(root);
        var timings = new List<(string Stage, double Seconds)>();
        var total = Stopwatch.StartNew();
        T Stage<T>(string name, Func<T> run)
        {
            cancel.ThrowIfCancellationRequested();
            AnsiConsole.MarkupLineInterpolated($"[bold]{name}[/]");
            var clock = Stopwatch.StartNew();
            var result = run();
            timings.Add((name, clock.Elapsed.TotalSeconds));
            AnsiConsole.MarkupLineInterpolated($"  done in {clock.Elapsed.TotalSeconds:F1} s");
            return result;
        }

        var bundle = ModelBundle.Open(BundleLocation.Resolve(s.Bundle));
        string dataRoot = Path.Combine(root, "data"), supportRoot = Path.Combine(root, "support");
        Stage("1. synthesise a surface dataset", () =>
        {
            // Evaluation set and support set come from different seeds: the support images are never scored.
            SynthDataset.Write(dataRoot, new SynthDatasetOptions { Size = s.Size, TrainPerSurface = s.Normals, TestPerDefect = 12, Surfaces = surface, Defects = defect, Seed = s.Seed }, null, cancel);
            return SynthDataset.Write(supportRoot, new SynthDatasetOptions { Size = s.Size, TrainPerSurface = 1, TestPerDefect = 3, Surfaces = surface, Defects = defect, Seed = s.Seed + 1 }, null, cancel);
        });
        string category = SynthNames.Of(surface[0]), defectName = SynthNames.Of(defect[0]);
        string categoryDir = Path.Combine(dataRoot, category);

        using var device = ComputeDevice.Create(DevicePreference.Auto);
        using var graphs = BundleGraphs.Open(bundle);
        string embeddingDir = Path.Combine(root, "embeddings");
        var learned = Stage($"2. learn \"{defectName}\" from 3 shots ({s.LearnSteps} steps)", () =>
        {
            var support = SupportSetLoader.FromDataset(MvtecLayout.Read(Path.Combine(supportRoot, category)), defectName, 3, s.Seed, bundle.ImageSize);
            var checkpoint = Path.Combine(embeddingDir, defectName + ".checkpoint.json");
            if (File.Exists(checkpoint)) File.Delete(checkpoint);
            return EmbeddingTrainer.Run(graphs, device, support, new LearnOptions { Steps = s.LearnSteps, Seed = s.Seed, CheckpointEvery = 0 }, embeddingDir, cancel: cancel);
        });

        string generatedDir = Path.Combine(root, "generated");
        var generated = Stage("3. generate anomalies on the normal training images", () =>
        {
            if (Directory.Exists(generatedDir)) Directory.Delete(generatedDir, recursive: true);
            var dataset = MvtecLayout.Read(categoryDir);
            var normals = dataset.Train.Select(x => new NormalImage(x.ImagePath, Path.GetRelativePath(categoryDir, x.ImagePath))).ToList();
            var generator = new AnomalyGenerator(bundle, graphs.Model(), device, new GenerateOptions
            {
                BoxesPerImage = 2, SamplesPerBox = 1, Seed = s.Seed, Region = AllowedRegion.Whole, Category = category,
            });
            return generator.Run(normals, [new EmbeddingSource(learned.Embedding, learned.EmbeddingPath)], generatedDir, cancel: cancel);
        });

        var arms = new[]
        {
            new Arm("B, Perlin only", "perlin", 0.5f, 0f),
            new Arm("B, Perlin + generated (AnoGen)", "perlin-generated", 0.25f, 0.25f),
        };
        using var backbone = ResNet18Backbone.Open();
        var normalsForTraining = MvtecLayout.Read(categoryDir).Train.Select(x => DetectionInput.Resize(ImageCodec.ReadImage(x.ImagePath, 3), s.Size, s.Size)).ToList();
        var generatedForTraining = TrainCommand.LoadGenerated(generatedDir, s.Size, s.Size);
        var results = new List<(Arm Arm, EvaluationResult Result, double TrainSeconds)>();
        foreach (var arm in arms)
        {
            var clock = Stopwatch.StartNew();
            var detector = Stage($"4. train detector {arm.Name} ({s.TrainSteps} steps)", () => HeadDetector.Train(backbone, normalsForTraining,
                arm.Generated > 0 ? generatedForTraining : [], new SurfaceTextureSource(),
                new HeadTrainingOptions { Steps = s.TrainSteps, BatchSize = 4, PerlinFraction = arm.Perlin, GeneratedFraction = arm.Generated, Seed = s.Seed }));
            double trainSeconds = clock.Elapsed.TotalSeconds;
            string mapDir = Path.Combine(root, "maps", arm.Key);
            Stage($"5. detect and evaluate {arm.Name}", () =>
            {
                foreach (var sample in MvtecLayout.Read(categoryDir).Test)
                {
                    var image = ImageCodec.ReadImage(sample.ImagePath, 3);
                    var map = detector.Score(DetectionInput.Resize(image, s.Size, s.Size));
                    var relative = Path.ChangeExtension(Path.GetRelativePath(categoryDir, sample.ImagePath), ".png");
                    // Probabilities in [0, 1] → 16 bits, one scale for every map.
                    ImageCodec.WriteHeatMap16(Path.Combine(mapDir, relative), map.Pixels, map.Height, map.Width, 0f, 1f);
                }
                var result = Evaluator.Run(new EvaluationRequest { DataRoot = categoryDir, HeatMaps = mapDir });
                EvaluationReport.WriteAll(result, Path.Combine(root, "eval", arm.Key));
                results.Add((arm, result, trainSeconds));
                return 0;
            });
        }

        string report = Path.Combine(root, "report.html");
        AtomicFile.WriteText(report, Html(s, bundle, learned, generated, generatedDir, results, timings, total.Elapsed.TotalSeconds));
        if (s.Json)
        {
            var armsJson = new JsonArray();
            foreach (var (arm, result, train) in results)
            {
                var c = result.Categories[0];
                armsJson.Add(new JsonObject
                {
                    ["detector"] = arm.Name, ["image_auroc"] = c.Image.Auroc.AsNullable, ["pixel_auroc"] = c.Pixel?.Auroc.AsNullable,
                    ["pixel_ap"] = c.Pixel?.AveragePrecision.AsNullable, ["pixel_aupro"] = c.Pixel?.Aupro.AsNullable, ["train_seconds"] = train,
                });
            }
            JsonOutput.Write(new JsonObject { ["report"] = report, ["seconds"] = total.Elapsed.TotalSeconds, ["arms"] = armsJson });
            return 0;
        }
        var table = new Table().AddColumns("detector", "image AUROC", "pixel AUROC", "pixel AP", "AUPRO@0.3", "F1-max");
        foreach (var (arm, result, _) in results)
        {
            var c = result.Categories[0];
            table.AddRow(arm.Name, Pct(c.Image.Auroc), Pct(c.Pixel?.Auroc), Pct(c.Pixel?.AveragePrecision), Pct(c.Pixel?.Aupro), Pct(c.Pixel?.F1Max));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"demo finished in {total.Elapsed.TotalSeconds:F0} s; report: {report}");
        return 0;
    }

    private static string Pct(MetricValue? v) => v is { IsDefined: true } m ? (100 * m.Value).ToString("F1", CultureInfo.InvariantCulture) : "n/a";

    private static string Html(Settings s, ModelBundle bundle, LearnOutcome learned, GenerateSummary generated, string generatedDir,
        List<(Arm Arm, EvaluationResult Result, double TrainSeconds)> results, List<(string Stage, double Seconds)> timings, double seconds)
    {
        string E(string text) => System.Net.WebUtility.HtmlEncode(text);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>AnomalyEngine demo</title><style>")
            .Append("body{font-family:sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
            .Append("th:first-child,td:first-child{text-align:left}img{image-rendering:pixelated;border:1px solid #ccc}.row{display:flex;gap:16px;flex-wrap:wrap}</style></head><body>");
        html.Append("<h1>AnomalyEngine demo</h1>");
        html.Append(CultureInfo.InvariantCulture, $"<p>Bundle <b>{E(bundle.Id)}</b>. Surface <b>{E(s.Surface)}</b>, {s.Size}x{s.Size} px, {s.Normals} normal training images. ")
            .Append(CultureInfo.InvariantCulture, $"Defect family <b>{E(learned.Embedding.Defect)}</b>, never seen by the bundle, learned from 3 support images ({learned.Result.Losses.Count} steps, {E(learned.Embedding.Gradient)} gradients, final loss {learned.Embedding.FinalLoss:F4}); ")
            .Append(CultureInfo.InvariantCulture, $"{generated.Written} anomalies generated (DDIM 50, guidance 10, paste-back). Detector B trained {s.TrainSteps} steps per arm. Total {seconds:F0} s.</p>");
        html.Append("<h2>Does generated data help?</h2><table><tr><th>detector</th><th>image AUROC</th><th>image AP</th><th>pixel AUROC</th><th>pixel AP</th><th>AUPRO@0.3</th><th>pixel F1-max</th><th>train s</th><th>report</th></tr>");
        foreach (var (arm, result, train) in results)
        {
            var c = result.Categories[0];
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(arm.Name)}</td><td>{Pct(c.Image.Auroc)}</td><td>{Pct(c.Image.AveragePrecision)}</td><td>{Pct(c.Pixel?.Auroc)}</td><td>{Pct(c.Pixel?.AveragePrecision)}</td><td>{Pct(c.Pixel?.Aupro)}</td><td>{Pct(c.Pixel?.F1Max)}</td><td>{train:F0}</td><td><a href=\"eval/{arm.Key}/report.html\">details</a></td></tr>");
        }
        html.Append("</table><p>AP is scikit-learn's step-sum average precision (the paper's AU-PR); AUPRO is integrated to FPR 0.3 over 8-connected regions; pixels pooled over the test images.</p>");
        html.Append("<div class=\"row\">");
        var roc = results.Select(r => (r.Arm.Name, r.Result.Categories[0].Pixel?.Roc ?? [])).ToList();
        var pr = results.Select(r => (r.Arm.Name, r.Result.Categories[0].Pixel?.PrecisionRecall ?? [])).ToList();
        var pro = results.Select(r => (r.Arm.Name, r.Result.Categories[0].Pixel?.Pro ?? [])).ToList();
        html.Append(SvgCurve.Render("pixel ROC", "false positive rate", "true positive rate", 1, roc));
        html.Append(SvgCurve.Render("pixel PR", "recall", "precision", 1, pr));
        html.Append(SvgCurve.Render("PRO", "false positive rate", "per-region overlap", 0.3, pro));
        html.Append("</div>");
        html.Append("<h2>Stage 1: loss</h2>").Append(CultureInfo.InvariantCulture, $"<img src=\"{E(Path.GetRelativePath(Path.GetFullPath(s.Out), learned.LossPngPath))}\" alt=\"loss curve\">");
        html.Append("<h2>Stage 2: generated anomalies (image, box mask)</h2><div class=\"row\">");
        foreach (var entry in GenerationManifest.Read(generated.Manifest).Take(12))
        {
            string rel(string p) => E(Path.GetRelativePath(Path.GetFullPath(s.Out), Path.Combine(generatedDir, p)).Replace('\\', '/'));
            html.Append(CultureInfo.InvariantCulture, $"<div><img src=\"{rel(entry.Image)}\" width=\"128\"><img src=\"{rel(entry.Mask)}\" width=\"128\"></div>");
        }
        html.Append("</div><h2>Time per stage</h2><table><tr><th>stage</th><th>seconds</th></tr>");
        foreach (var (stage, secs) in timings) html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(stage)}</td><td>{secs:F1}</td></tr>");
        html.Append("</table></body></html>");
        return html.ToString();
    }
}
