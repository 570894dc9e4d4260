using System.Text.Json.Nodes;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using AnomalyEngine.Detection;
using AnomalyEngine.Detection.Backbone;
using AnomalyEngine.Imaging;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli.Commands;

/// <summary>`anomaly-engine detect`: heat maps (16-bit PNG, at each image's size) and a scores CSV from a detector bundle.</summary>
internal sealed class DetectCommand : Command<DetectCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--detector <DIR>"), Description("Detector bundle written by `train`.")]
        public string? Detector { get; init; }

        [CommandOption("--images <DIR>"), Description("Folder of images to score.")]
        public string? Images { get; init; }

        [CommandOption("-o|--out <DIR>"), Description("Output folder: maps/<name>.png and scores.csv.")]
        public string? Out { get; init; }

        [CommandOption("--height <PIXELS>"), Description("Height images are resized to before scoring (as in training). Default 256.")]
        public int Height { get; init; } = 256;

        [CommandOption("--width <PIXELS>"), Description("Width images are resized to before scoring (as in training). Default 256.")]
        public int Width { get; init; } = 256;
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(s.Detector)) throw new InvalidOptionException("--detector is required: a bundle folder written by `train`.");
        if (string.IsNullOrEmpty(s.Images) || !Directory.Exists(s.Images)) throw new InvalidOptionException("--images must name a folder of images.");
        if (string.IsNullOrEmpty(s.Out)) throw new InvalidOptionException("--out is required.");
        if (s.Height % ResNet18Backbone.SizeMultiple != 0 || s.Width % ResNet18Backbone.SizeMultiple != 0 || s.Height <= 0 || s.Width <= 0)
            throw new InvalidOptionException($"--height and --width must be positive multiples of {ResNet18Backbone.SizeMultiple} (got {s.Width}x{s.Height}).");
        var files = AnomalyEngine.Data.ImageFiles.List(s.Images);
        using var backbone = ResNet18Backbone.Open();
        var detector = Detectors.Load(s.Detector, backbone);
        var maps = new List<(string File, AnomalyMap Map)>();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = ImageCodec.ReadImage(file, 3);
            var map = detector.Score(DetectionInput.Resize(image, s.Height, s.Width));
            var full = PatchFeatures.ResizeBilinear(map.Pixels, 1, map.Height, map.Width, image.Height, image.Width);
            maps.Add((file, new AnomalyMap(full, image.Height, image.Width, map.Score)));
        }
        // One scale for every map of the run, so maps stay comparable: [0, 1] for probabilities, [0, max] for distances.
        float high = Math.Max(1f, maps.Count == 0 ? 1f : maps.Max(m => m.Map.Pixels.Max()));
        var csv = new StringBuilder("path,score\n");
        foreach (var (file, map) in maps)
        {
            ImageCodec.WriteHeatMap16(Path.Combine(s.Out, "maps", Path.GetFileNameWithoutExtension(file) + ".png"), map.Pixels, map.Height, map.Width, 0f, high);
            csv.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(file)},{map.Score.ToString("R", CultureInfo.InvariantCulture)}\n");
        }
        AtomicFile.WriteText(Path.Combine(s.Out, "scores.csv"), csv.ToString());
        (detector as IDisposable)?.Dispose();
        if (s.Json)
            JsonOutput.Write(new JsonObject { ["images"] = maps.Count, ["maps"] = Path.Combine(s.Out, "maps"), ["scores"] = Path.Combine(s.Out, "scores.csv"), ["scale_high"] = high });
        else
            AnsiConsole.MarkupLineInterpolated($"scored {maps.Count} images; maps in {Path.Combine(s.Out, "maps")} (0..{high:G4} → 0..65535), scores in {Path.Combine(s.Out, "scores.csv")}");
        return 0;
    }
}
