using System.ComponentModel;
using System.Globalization;
using AnomalyEngine.Compute;
using AnomalyEngine.Metrics;
using AnomalyEngine.Metrics.Evaluation;
using AnomalyEngine.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>anomaly-engine eval: heat maps and/or image scores against ground truth, per category and defect type.</summary>
internal sealed class EvalCommand : Command<EvalCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--data <DIR>"), Description("Ground-truth dataset: MVTec layout (a category folder or a folder of categories) or Folder layout.")]
        public string? Data { get; init; }

        [CommandOption("--layout <LAYOUT>"), Description("mvtec (default) or folder (normal/, abnormal/, mask/).")]
        public string Layout { get; init; } = "mvtec";

        [CommandOption("--maps <DIR>"), Description("Heat maps named like the test images (.npy, float32 .tiff, 8/16-bit .png).")]
        public string? Maps { get; init; }

        [CommandOption("--scores <CSV>"), Description("Image scores, one 'path,score' line per test image (default: max of each heat map).")]
        public string? Scores { get; init; }

        [CommandOption("--out <DIR>"), Description("Where metrics.json, metrics.md and report.html go.")]
        public string? Out { get; init; }

        [CommandOption("--category <NAME>"), Description("Evaluate only this category.")]
        public string? Category { get; init; }

        [CommandOption("--pro-limit <FPR>"), Description("FPR limit for AUPRO (default 0.3).")]
        public string ProLimit { get; init; } = "0.3";

        [CommandOption("--overlays <N>"), Description("Best and worst images rendered per category (default 3).")]
        public int Overlays { get; init; } = 3;

        [CommandOption("--device <DEVICE>"), Description("auto (default), cpu or cuda: where the sort runs.")]
        public string Device { get; init; } = "auto";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(s.Data)) throw new InvalidOptionException("--data is required: the ground-truth dataset folder.");
        if (string.IsNullOrEmpty(s.Out)) throw new InvalidOptionException("--out is required: the folder for the reports.");
        var layout = s.Layout.ToLowerInvariant() switch
        {
            "mvtec" => DatasetLayout.MvTec,
            "folder" => DatasetLayout.Folder,
            _ => throw new InvalidOptionException($"--layout must be mvtec or folder, got '{s.Layout}'."),
        };
        if (!double.TryParse(s.ProLimit, NumberStyles.Float, CultureInfo.InvariantCulture, out double limit) || !(limit > 0 && limit <= 1))
            throw new InvalidOptionException($"--pro-limit must be a number in (0, 1], got '{s.ProLimit}'.");
        if (s.Overlays < 0) throw new InvalidOptionException($"--overlays must be >= 0, got {s.Overlays}.");
        var preference = BundleLocation.Device(s.Device);
        // The CPU path never needs an ILGPU device; only create one when CUDA may be used.
        using var device = preference == DevicePreference.Cpu ? null : ComputeDevice.Create(preference);
        var request = new EvaluationRequest
        {
            DataRoot = s.Data,
            Layout = layout,
            HeatMaps = s.Maps,
            ImageScores = s.Scores,
            Category = s.Category,
            Overlays = s.Overlays,
            Metrics = new MetricOptions { ProFprLimit = limit, Device = device },
        };
        var result = Evaluator.Run(request, new Progress<string>(line => AnsiConsole.MarkupLineInterpolated($"[grey]{line}[/]")));
        var files = EvaluationReport.WriteAll(result, s.Out);
        var table = new Table().AddColumns("category", "defect", "images").AddColumns(MetricFormat.Columns.Select(c => c.Name).ToArray());
        foreach (var (category, defect, images, cells) in MetricFormat.Rows(result.Categories))
            table.AddRow([Markup.Escape(category), Markup.Escape(defect), images.ToString(CultureInfo.InvariantCulture), .. cells]);
        AnsiConsole.Write(table);
        foreach (string f in files) AnsiConsole.MarkupLineInterpolated($"wrote {f}");
        return 0;
    }
}
