using System.ComponentModel;
using System.Diagnostics;
using AnomalyEngine.Synthesis;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>`anomaly-engine synth-data`: writes a procedural surface-defect dataset in the MVTec AD layout.</summary>
internal sealed class SynthDataCommand : Command<SynthDataCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder (created if missing); one MVTec category per surface, plus labels.csv.")]
        public string Out { get; init; } = "";

        [CommandOption("--size <PIXELS>")]
        [Description("Image side in pixels (square). Default 64.")]
        [DefaultValue(64)]
        public int Size { get; init; } = 64;

        [CommandOption("--train-per-surface <N>")]
        [Description("Normal training images per surface. Default 40.")]
        [DefaultValue(40)]
        public int TrainPerSurface { get; init; } = 40;

        [CommandOption("--test-per-defect <N>")]
        [Description("Test images per surface and defect, and normal test images per surface. Default 10.")]
        [DefaultValue(10)]
        public int TestPerDefect { get; init; } = 10;

        [CommandOption("--surfaces <LIST>")]
        [Description("Comma-separated surfaces: wood, brushed_metal, fabric, tile, leather, concrete. Default all.")]
        public string? Surfaces { get; init; }

        [CommandOption("--defects <LIST>")]
        [Description("Comma-separated defects: scratch, crack, hole, stain, contamination, crease, missing. Default all.")]
        public string? Defects { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Random seed; the same seed writes the same bytes. Default 0.")]
        [DefaultValue(0UL)]
        public ulong Seed { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out))
                return ValidationResult.Error("--out is required: the folder to write the dataset into");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = new SynthDatasetOptions
        {
            Size = settings.Size,
            TrainPerSurface = settings.TrainPerSurface,
            TestPerDefect = settings.TestPerDefect,
            Surfaces = SynthNames.ParseSurfaces(settings.Surfaces),
            Defects = SynthNames.ParseDefects(settings.Defects),
            Seed = settings.Seed,
        };
        var clock = Stopwatch.StartNew();
        int written = SynthDataset.Write(settings.Out, options, null, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"wrote {written} images ({options.Surfaces.Count} surfaces x {options.Defects.Count} defects, {options.Size}x{options.Size}) to {settings.Out} in {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
