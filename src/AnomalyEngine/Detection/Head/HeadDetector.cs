using AnomalyEngine.Compute;
using AnomalyEngine.Detection.Synthesis;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Detection.Head;

/// <summary>
/// Detector B: frozen backbone features (PatchCore's locally aggregated layer 2 + 3, standardised)
/// → <see cref="DiscriminatorHead"/> per location → p = sigmoid(z) on the feature grid, upsampled
/// bilinearly to the image and Gaussian-smoothed; the image score is the map's maximum.
/// Trained on a mixture of normal images, Perlin anomalies and generated anomalies with box masks
/// under AnoGen's weak supervision (<see cref="WeakFocalLoss"/>).
/// </summary>
public sealed class HeadDetector : IAnomalyDetector
{
    internal const string Kind = "discriminator-head";

    internal const uint MixtureStream = 0x4D495831; // "MIX1"

    private readonly IBackbone _backbone;

    internal HeadDetector(IBackbone backbone, DiscriminatorHead head, FeatureNormalizer normalizer, float smoothingSigma)
    {
        _backbone = backbone;
        Head = head;
        Normalizer = normalizer;
        SmoothingSigma = smoothingSigma;
    }

    internal DiscriminatorHead Head { get; }
    internal FeatureNormalizer Normalizer { get; }

    /// <summary>Gaussian smoothing of the image-sized map, in pixels.</summary>
    public float SmoothingSigma { get; }

    /// <summary>
    /// Trains a head. <paramref name="generated"/> may be empty when <see cref="HeadTrainingOptions.GeneratedFraction"/>
    /// is 0; <paramref name="textures"/> may be null when <see cref="HeadTrainingOptions.PerlinFraction"/> is 0.
    /// </summary>
    public static HeadDetector Train(IBackbone backbone, IReadOnlyList<ImageTensor> normals, IReadOnlyList<GeneratedAnomaly> generated,
        ITextureSource? textures, HeadTrainingOptions options, IProgress<HeadTrainingProgress>? progress = null)
    {
        options.Validate();
        if (normals.Count == 0)
            throw new InvalidInputException("Detector B needs at least one normal training image.");
        if (options.GeneratedFraction > 0 && generated.Count == 0)
            throw new InvalidOptionException("The generated share is above 0 but no generated anomalies were given: generate some, or set the share to 0.");
        if (options.PerlinFraction > 0 && textures is null)
            throw new InvalidOptionException("The Perlin share is above 0 but no texture source was given.");
        foreach (var g in generated)
        {
            DetectionInput.Validate(g.Image);
            if (g.Mask.Length != g.Image.Height * g.Image.Width)
                throw new InvalidInputException($"A generated anomaly's mask has {g.Mask.Length} values for a {g.Image.Height}x{g.Image.Width} image.");
        }

        // Features of the normal images are reused at every step (they never change: the backbone is frozen).
        var normalCache = new (float[] Rows, int Gh, int Gw)?[normals.Count];
        (float[] Rows, int Gh, int Gw) NormalFeatures(int i) => normalCache[i] ??= Features(backbone, normals[i]);

        int fit = Math.Min(normals.Count, 16);
        var first = Enumerable.Range(0, fit).Select(NormalFeatures).ToList();
        int dim = first[0].Rows.Length / (first[0].Gh * first[0].Gw);
        var normalizer = FeatureNormalizer.Fit(first.Select(f => f.Rows), dim);

        var head = new DiscriminatorHead(dim, options.AdaptorDim, options.HiddenDim);
        head.Initialize(options.Seed);
        var optimizer = new AdamW(options.LearningRate, options.WeightDecay);
        var parameters = head.Parameters.Select(p => p.Values).ToArray();

        for (int step = 0; step < options.Steps; step++)
        {
            var rows = new List<float[]>();
            var labels = new List<sbyte[]>();
            for (int j = 0; j < options.BatchSize; j++)
            {
                long item = (long)step * options.BatchSize + j;
                float u = 1f - Philox.Uniform(options.Seed, MixtureStream, (uint)step, (uint)(2 * j));
                ulong pick = Philox.Bits64(options.Seed, MixtureStream, (uint)step, (uint)(2 * j + 1));
                (float[] Rows, int Gh, int Gw) f;
                float[]? mask = null;
                ImageTensor source;
                if (u < options.PerlinFraction)
                {
                    source = normals[(int)(pick % (ulong)normals.Count)];
                    var sample = PerlinAnomaly.Synthesize(source, textures!, options.Seed, item);
                    f = Features(backbone, sample.Image);
                    mask = sample.Mask;
                }
                else if (u < options.PerlinFraction + options.GeneratedFraction)
                {
                    var g = generated[(int)(pick % (ulong)generated.Count)];
                    source = g.Image;
                    f = Features(backbone, g.Image);
                    mask = g.Mask;
                }
                else
                {
                    int i = (int)(pick % (ulong)normals.Count);
                    source = normals[i];
                    var cached = NormalFeatures(i);
                    f = ((float[])cached.Rows.Clone(), cached.Gh, cached.Gw);
                }
                if (f.Rows.Length != f.Gh * f.Gw * dim)
                    throw new InvalidInputException($"The backbone gave {f.Rows.Length / (f.Gh * f.Gw)} feature channels for one image and {dim} for another.");
                normalizer.Apply(f.Rows);
                rows.Add(f.Rows);
                labels.Add(GridLabels(mask, source.Height, source.Width, f.Gh, f.Gw));
            }
            var x = rows.SelectMany(r => r).ToArray();
            var y = labels.SelectMany(l => l).ToArray();
            int n = y.Length;
            var act = head.Forward(x, n);
            var dz = new float[n];
            double loss = WeakFocalLoss.Evaluate(act.Logits, y, step < options.WarmupSteps ? 0f : options.Tau, options.FocalGamma, dz);
            if (!double.IsFinite(loss))
                throw new NumericalException($"The training loss became {loss} at step {step}: lower the learning rate.");
            var grads = head.Backward(x, n, act, dz);
            optimizer.BeginStep();
            for (int t = 0; t < parameters.Length; t++)
                optimizer.Update(parameters[t], grads.Values[t]);
            progress?.Report(new HeadTrainingProgress(step + 1, options.Steps, loss));
        }
        return new HeadDetector(backbone, head, normalizer, options.SmoothingSigma);
    }

    private static (float[] Rows, int Gh, int Gw) Features(IBackbone backbone, ImageTensor image)
    {
        DetectionInput.Validate(image);
        var f = backbone.Extract(image);
        return (PatchFeatures.Assemble(f), f.Layer2.Height, f.Layer2.Width);
    }

    /// <summary>
    /// Labels on the feature grid from a pixel mask: 0 where the cell holds no mask pixel, 1 where at
    /// least half of it is masked, -1 (ignored) for cells only partly covered.
    /// </summary>
    internal static sbyte[] GridLabels(float[]? mask, int height, int width, int gh, int gw)
    {
        var labels = new sbyte[gh * gw];
        if (mask is null)
            return labels;
        var hit = new int[gh * gw];
        var total = new int[gh * gw];
        for (int y = 0; y < height; y++)
        {
            int cy = (int)((long)y * gh / height);
            for (int x = 0; x < width; x++)
            {
                int cell = cy * gw + (int)((long)x * gw / width);
                total[cell]++;
                if (mask[y * width + x] != 0) hit[cell]++;
            }
        }
        for (int i = 0; i < labels.Length; i++)
            labels[i] = hit[i] == 0 ? (sbyte)0 : 2 * hit[i] >= total[i] ? (sbyte)1 : (sbyte)-1;
        return labels;
    }

    /// <summary>The anomaly probability map of <paramref name="image"/> at its own size and its score (the map's maximum).</summary>
    public AnomalyMap Score(ImageTensor image)
    {
        var (rows, gh, gw) = Features(_backbone, image);
        if (rows.Length != gh * gw * Head.InputDim)
            throw new InvalidInputException($"The backbone gave {rows.Length / (gh * gw)} feature channels; the head expects {Head.InputDim}.");
        Normalizer.Apply(rows);
        var logits = Head.Forward(rows, gh * gw).Logits;
        var grid = logits.Select(z => 1f / (1f + MathF.Exp(-z))).ToArray();
        var map = AnomalyMapSmoothing.ToImage(grid, gh, gw, image.Height, image.Width, SmoothingSigma);
        return new AnomalyMap(map, image.Height, image.Width, map.Max());
    }

    /// <inheritdoc />
    public void Save(string folder)
    {
        var tensors = new List<(string Name, float[] Values, int[] Shape)>
        {
            ("normalizer.mean", Normalizer.Mean, [Head.InputDim]),
            ("normalizer.std", Normalizer.Std, [Head.InputDim]),
        };
        tensors.AddRange(Head.Parameters);
        var settings = new System.Text.Json.Nodes.JsonObject
        {
            ["featureDim"] = Head.InputDim,
            ["adaptorDim"] = Head.AdaptorDim,
            ["hiddenDim"] = Head.HiddenDim,
            ["leakySlope"] = DiscriminatorHead.LeakySlope,
            ["smoothingSigma"] = SmoothingSigma,
            ["imageScore"] = "max",
        };
        DetectorBundle.Save(folder, Kind, settings, tensors);
    }

    /// <summary>Loads a bundle written by <see cref="Save"/>; <paramref name="backbone"/> must be the one it was trained on.</summary>
    public static HeadDetector Load(string folder, IBackbone backbone)
    {
        var (root, kind) = DetectorBundle.ReadManifest(folder);
        if (kind != Kind)
            throw new ModelException($"The detector bundle is of kind '{kind}', not '{Kind}'.");
        return Load(folder, root, backbone);
    }

    internal static HeadDetector Load(string folder, System.Text.Json.Nodes.JsonNode root, IBackbone backbone)
    {
        int featureDim = DetectorBundle.PositiveInt(root, "featureDim");
        var head = new DiscriminatorHead(featureDim, DetectorBundle.PositiveInt(root, "adaptorDim"), DetectorBundle.PositiveInt(root, "hiddenDim"));
        var mean = new float[featureDim];
        var std = new float[featureDim];
        var tensors = head.Parameters.ToDictionary(p => p.Name, p => p.Values);
        tensors["normalizer.mean"] = mean;
        tensors["normalizer.std"] = std;
        DetectorBundle.ReadTensors(folder, root, tensors);
        return new HeadDetector(backbone, head, new FeatureNormalizer(mean, std), (float?)root["smoothingSigma"] ?? 4f);
    }
}
