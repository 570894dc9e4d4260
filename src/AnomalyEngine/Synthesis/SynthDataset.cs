using System.Globalization;
using System.Text;
using AnomalyEngine.Data;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Synthesis;

/// <summary>
/// Writes a generated dataset in the MVTec AD layout, one category per surface:
/// <c>&lt;surface&gt;/train/good/NNN.png</c>, <c>&lt;surface&gt;/test/good/NNN.png</c>, <c>&lt;surface&gt;/test/&lt;defect&gt;/NNN.png</c>,
/// <c>&lt;surface&gt;/ground_truth/&lt;defect&gt;/NNN_mask.png</c> (0/255), plus <c>labels.csv</c> (path, surface, label, mask) at the root.
/// </summary>
public static class SynthDataset
{
    /// <summary>The name of the label table written at the root.</summary>
    public const string LabelsFile = "labels.csv";

    /// <summary>Generates and writes every file (each atomically); returns the number of images written.</summary>
    public static int Write(string outDir, SynthDatasetOptions options, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(outDir);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Size is < SurfaceGenerator.MinSize or > SurfaceGenerator.MaxSize)
            throw new InvalidOptionException($"--size {options.Size} is outside [{SurfaceGenerator.MinSize}, {SurfaceGenerator.MaxSize}]");
        if (options.TrainPerSurface < 0 || options.TestPerDefect < 0)
            throw new InvalidOptionException("image counts must be 0 or more");
        if (options.Surfaces.Count == 0)
            throw new InvalidOptionException("no surface chosen; name at least one with --surfaces");
        if (Math.Max(options.TrainPerSurface, options.TestPerDefect) >= 1 << 24)
            throw new InvalidOptionException($"at most {(1 << 24) - 1} images per folder");

        var items = Plan(options);
        int digits = Math.Max(3, Math.Max(options.TrainPerSurface, options.TestPerDefect).ToString(CultureInfo.InvariantCulture).Length);
        int done = 0;
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = cancel, MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
        {
            var item = items[k];
            SurfaceSample sample = SurfaceGenerator.Generate(item.Surface, item.Defect, options.Size, options.Seed, item.Split, item.Index);
            string name = item.Index.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
            var writer = new DatasetWriter(Path.Combine(outDir, SynthNames.Of(item.Surface)));
            byte[] png = ImageCodec.EncodePng8(sample.Rgb, options.Size, options.Size, 3);
            if (item.Defect is null)
            {
                writer.WriteNormalPng(item.Split == SynthSplit.Train ? DatasetSplit.Train : DatasetSplit.Test, name, png);
            }
            else
            {
                var grey = new byte[sample.Mask.Data.Length];
                for (int i = 0; i < grey.Length; i++) grey[i] = (byte)(sample.Mask.Data[i] * 255);
                writer.WriteDefectPng(SynthNames.Of(item.Defect.Value), name, png, ImageCodec.EncodePng8(grey, options.Size, options.Size, 1));
            }
            progress?.Report(Interlocked.Increment(ref done));
        });

        var csv = new StringBuilder("path,surface,label,mask\n");
        foreach (var item in items)
        {
            string name = item.Index.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
            string label = item.Defect is null ? "good" : SynthNames.Of(item.Defect.Value);
            string mask = item.Defect is null ? "" : MaskPath(item, name).Replace('\\', '/');
            csv.Append(CultureInfo.InvariantCulture, $"{ImagePath(item, name).Replace('\\', '/')},{SynthNames.Of(item.Surface)},{label},{mask}\n");
        }
        AtomicFile.WriteText(Path.Combine(outDir, LabelsFile), csv.ToString());
        return items.Count;
    }

    private readonly record struct Item(SurfaceKind Surface, DefectKind? Defect, SynthSplit Split, int Index);

    private static List<Item> Plan(SynthDatasetOptions o)
    {
        var items = new List<Item>();
        foreach (SurfaceKind s in o.Surfaces)
        {
            for (int i = 0; i < o.TrainPerSurface; i++) items.Add(new Item(s, null, SynthSplit.Train, i));
            for (int i = 0; i < o.TestPerDefect; i++) items.Add(new Item(s, null, SynthSplit.Test, i));
            foreach (DefectKind d in o.Defects)
                for (int i = 0; i < o.TestPerDefect; i++) items.Add(new Item(s, d, SynthSplit.Test, i));
        }
        return items;
    }

    private static string ImagePath(Item item, string name)
    {
        string surface = SynthNames.Of(item.Surface);
        if (item.Split == SynthSplit.Train)
            return Path.Combine(surface, "train", "good", name + ".png");
        return Path.Combine(surface, "test", item.Defect is null ? "good" : SynthNames.Of(item.Defect.Value), name + ".png");
    }

    private static string MaskPath(Item item, string name) =>
        Path.Combine(SynthNames.Of(item.Surface), "ground_truth", SynthNames.Of(item.Defect!.Value), name + "_mask.png");
}
