using System.Buffers.Binary;
using System.Text.Json;

namespace AnomalyEngine.Diffusion;

/// <summary>
/// A diffusion model bundle (docs/bundle-format.md, version 1): the validated manifest, its small
/// tensors and the paths of its graphs.
/// </summary>
public sealed class ModelBundle
{
    /// <summary>The manifest format version this engine reads.</summary>
    public const int FormatVersion = 1;

    private static readonly string[] ComponentNames = ["unet", "unet_grad", "unet_loss_grad", "vae_encoder", "vae_decoder"];

    /// <summary>Every component a manifest may name, in the format's order (docs/bundle-format.md).</summary>
    public static IReadOnlyList<string> Components => ComponentNames;
    private readonly Dictionary<string, string> _graphs = new();
    private readonly Dictionary<string, string> _plans = new();

    private ModelBundle(string directory) => Directory = directory;

    /// <summary>The bundle folder.</summary>
    public string Directory { get; }

    /// <summary>The bundle's id from the manifest.</summary>
    public string Id { get; private set; } = "";

    /// <summary>Latent (with an autoencoder) or pixel space.</summary>
    public BundleSpace Space { get; private set; }

    /// <summary>Image side in pixels (square images).</summary>
    public int ImageSize { get; private set; }

    /// <summary>Image channels (3).</summary>
    public int ImageChannels { get; private set; }

    /// <summary>Latent channels C.</summary>
    public int LatentChannels { get; private set; }

    /// <summary>Latent side h (square latents).</summary>
    public int LatentSize { get; private set; }

    /// <summary>The latent scale factor: the unet sees scale * encoder output; the decoder gets latent / scale. 1 for pixel space.</summary>
    public float ScaleFactor { get; private set; } = 1f;

    /// <summary>Conditioning tokens T.</summary>
    public int Tokens { get; private set; }

    /// <summary>Conditioning width D.</summary>
    public int Width { get; private set; }

    /// <summary>The token row that holds a learned embedding.</summary>
    public int PlaceholderSlot { get; private set; }

    /// <summary>The conditioning template, T x D row-major.</summary>
    public float[] Template { get; private set; } = [];

    /// <summary>The unconditional conditioning for classifier-free guidance, T x D row-major.</summary>
    public float[] Unconditional { get; private set; } = [];

    /// <summary>The embedding learning starts from, D values.</summary>
    public float[] InitialEmbedding { get; private set; } = [];

    /// <summary>Vocabulary names; row i of <see cref="Vocabulary"/> is the embedding of name i.</summary>
    public IReadOnlyList<string> VocabularyNames { get; private set; } = [];

    /// <summary>Vocabulary embeddings, names x D row-major (empty when the bundle has none).</summary>
    public float[] Vocabulary { get; private set; } = [];

    /// <summary>The noise schedule's training steps.</summary>
    public int TrainSteps { get; private set; }

    /// <summary>The beta schedule.</summary>
    public BetaSchedule BetaSchedule { get; private set; }

    /// <summary>beta_start of the schedule.</summary>
    public double BetaStart { get; private set; }

    /// <summary>beta_end of the schedule.</summary>
    public double BetaEnd { get; private set; }

    /// <summary>What the unet predicts.</summary>
    public PredictionType Prediction { get; private set; }

    /// <summary>True when the bundle has vae_encoder and vae_decoder.</summary>
    public bool HasAutoencoder => Space == BundleSpace.Latent;

    /// <summary>True when the bundle has the conditioning-gradient graph.</summary>
    public bool HasUnetGrad => _graphs.ContainsKey("unet_grad");

    /// <summary>Whether the bundle has the fused loss-and-gradient graph <c>unet_loss_grad</c> (one pass instead of unet + unet_grad).</summary>
    public bool HasUnetLossGrad => _graphs.ContainsKey("unet_loss_grad");

    /// <summary>Latent elements per item, C h w.</summary>
    public int LatentElements => LatentChannels * LatentSize * LatentSize;

    /// <summary>Image elements per item, 3 H W.</summary>
    public int ImageElements => ImageChannels * ImageSize * ImageSize;

    /// <summary>The noise schedule the bundle was trained with.</summary>
    public NoiseSchedule CreateSchedule() => NoiseSchedule.Create(BetaSchedule, TrainSteps, BetaStart, BetaEnd);

    /// <summary>The ONNX file of a component ("unet", "unet_grad", "unet_loss_grad", "vae_encoder", "vae_decoder"), or null when absent.</summary>
    public string? GraphPath(string component) => _graphs.TryGetValue(component, out var p) ? p : null;

    /// <summary>The TensorRT plan of a component, or null when the manifest names none.</summary>
    public string? PlanPath(string component) => _plans.TryGetValue(component, out var p) ? p : null;

    /// <summary>The conditioning of an embedding: the template with the placeholder row replaced by it (T x D).</summary>
    public float[] Conditioning(ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != Width)
            throw new InvalidInputException($"An embedding for bundle '{Id}' must have {Width} values, got {embedding.Length}.");
        var c = (float[])Template.Clone();
        embedding.CopyTo(c.AsSpan(PlaceholderSlot * Width, Width));
        return c;
    }

    /// <summary>Reads and validates <c>manifest.json</c> in <paramref name="directory"/> and loads its tensors.</summary>
    public static ModelBundle Open(string directory)
    {
        var manifestPath = Path.Combine(directory, "manifest.json");
        if (!File.Exists(manifestPath))
            throw new ModelException($"No manifest.json in '{directory}': point to a bundle folder written by tools/ (see docs/bundle-format.md).");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(manifestPath));
        }
        catch (JsonException e)
        {
            throw new ModelException($"'{manifestPath}' is not valid JSON ({e.Message}); re-export the bundle.", e);
        }
        using (doc)
        {
            var bundle = new ModelBundle(Path.GetFullPath(directory));
            bundle.Read(doc.RootElement, manifestPath);
            return bundle;
        }
    }

    private void Read(JsonElement root, string manifestPath)
    {
        var m = new ManifestReader(manifestPath);
        if (m.String(root, "format") != "anomaly-engine-bundle")
            throw m.Error("\"format\" must be \"anomaly-engine-bundle\"");
        int version = m.Int(root, "version");
        if (version != FormatVersion)
            throw m.Error($"has format version {version}; this engine reads version {FormatVersion}: re-export the bundle with the matching tools/");
        Id = m.String(root, "id");
        Space = m.String(root, "space") switch
        {
            "latent" => BundleSpace.Latent,
            "pixel" => BundleSpace.Pixel,
            var s => throw m.Error($"has unknown \"space\" '{s}'; use \"latent\" or \"pixel\""),
        };

        var image = m.Object(root, "image");
        ImageSize = m.Positive(image, "size", "image.size");
        ImageChannels = m.Positive(image, "channels", "image.channels");
        if (ImageChannels != 3)
            throw m.Error($"has image.channels {ImageChannels}; the engine generates RGB images (3)");

        if (Space == BundleSpace.Latent || root.TryGetProperty("latent", out _))
        {
            var latent = m.Object(root, "latent");
            LatentChannels = m.Positive(latent, "channels", "latent.channels");
            LatentSize = m.Positive(latent, "size", "latent.size");
            ScaleFactor = latent.TryGetProperty("scale_factor", out var sf) ? (float)sf.GetDouble() : 1f;
            if (!(ScaleFactor > 0) || !float.IsFinite(ScaleFactor))
                throw m.Error("has a latent.scale_factor that is not a positive number");
        }
        else
        {
            LatentChannels = ImageChannels;
            LatentSize = ImageSize;
        }
        if (Space == BundleSpace.Pixel && (LatentChannels != ImageChannels || LatentSize != ImageSize || ScaleFactor != 1f))
            throw m.Error("is pixel-space, so \"latent\" must equal \"image\" (same channels and size, scale_factor 1)");
        if (Space == BundleSpace.Latent && ImageSize % LatentSize != 0)
            throw m.Error($"has image.size {ImageSize} that is not a multiple of latent.size {LatentSize}");

        var cond = m.Object(root, "conditioning");
        Tokens = m.Positive(cond, "tokens", "conditioning.tokens");
        Width = m.Positive(cond, "width", "conditioning.width");
        PlaceholderSlot = m.Int(cond, "placeholder_slot");
        if (PlaceholderSlot < 0 || PlaceholderSlot >= Tokens)
            throw m.Error($"has conditioning.placeholder_slot {PlaceholderSlot} outside 0..{Tokens - 1}");
        Template = LoadTensor(m, m.String(cond, "template"), Tokens * Width, "conditioning.template", $"{Tokens} x {Width}");
        Unconditional = LoadTensor(m, m.String(cond, "unconditional"), Tokens * Width, "conditioning.unconditional", $"{Tokens} x {Width}");
        InitialEmbedding = LoadTensor(m, m.String(cond, "initial_embedding"), Width, "conditioning.initial_embedding", $"{Width}");
        if (cond.TryGetProperty("vocabulary", out var vocab) && vocab.ValueKind == JsonValueKind.Object)
        {
            var names = m.Array(vocab, "names", "conditioning.vocabulary.names").Select(n => n.GetString() ?? "").ToArray();
            VocabularyNames = names;
            Vocabulary = LoadTensor(m, m.String(vocab, "file"), names.Length * Width, "conditioning.vocabulary.file", $"{names.Length} x {Width}");
        }

        var schedule = m.Object(root, "schedule");
        TrainSteps = m.Int(schedule, "train_steps");
        if (TrainSteps < 2)
            throw m.Error($"has schedule.train_steps {TrainSteps}; it needs at least 2");
        BetaSchedule = m.String(schedule, "beta_schedule") switch
        {
            "linear" => BetaSchedule.Linear,
            "scaled_linear" => BetaSchedule.ScaledLinear,
            "squaredcos_cap_v2" => BetaSchedule.SquaredCosCapV2,
            var s => throw m.Error($"has unknown schedule.beta_schedule '{s}'; use linear, scaled_linear or squaredcos_cap_v2"),
        };
        BetaStart = schedule.TryGetProperty("beta_start", out var bs) ? bs.GetDouble() : 0.00085;
        BetaEnd = schedule.TryGetProperty("beta_end", out var be) ? be.GetDouble() : 0.012;
        Prediction = m.String(schedule, "prediction") switch
        {
            "epsilon" => PredictionType.Epsilon,
            "v_prediction" => PredictionType.VPrediction,
            var s => throw m.Error($"has unknown schedule.prediction '{s}'; use epsilon or v_prediction"),
        };
        try
        {
            CreateSchedule();
        }
        catch (InvalidOptionException e)
        {
            throw m.Error($"has an unusable schedule: {e.Message}");
        }

        var components = m.Object(root, "components");
        foreach (var name in ComponentNames)
        {
            if (!components.TryGetProperty(name, out var c) || c.ValueKind == JsonValueKind.Null)
                continue;
            _graphs[name] = m.ExistingFile(Directory, m.String(c, "onnx"), $"components.{name}.onnx");
            if (c.TryGetProperty("plan", out var plan) && plan.ValueKind == JsonValueKind.String)
                _plans[name] = m.ExistingFile(Directory, plan.GetString()!, $"components.{name}.plan");
        }
        if (!_graphs.ContainsKey("unet"))
            throw m.Error("has no components.unet; every bundle needs a noise predictor");
        bool hasEncoder = _graphs.ContainsKey("vae_encoder"), hasDecoder = _graphs.ContainsKey("vae_decoder");
        if (Space == BundleSpace.Latent && !(hasEncoder && hasDecoder))
            throw m.Error("is latent-space but lacks components.vae_encoder or components.vae_decoder");
        if (Space == BundleSpace.Pixel && (hasEncoder || hasDecoder))
            throw m.Error("is pixel-space but names an autoencoder; drop vae_encoder/vae_decoder or set \"space\": \"latent\"");
    }

    private float[] LoadTensor(ManifestReader m, string file, int count, string field, string shape)
    {
        var path = m.ExistingFile(Directory, file, field);
        long length = new FileInfo(path).Length;
        if (length != 4L * count)
            throw m.Error($"has {field} '{file}' of {length} bytes; it must hold {shape} float32 values ({4L * count} bytes)");
        var bytes = File.ReadAllBytes(path);
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        foreach (var v in values)
            if (!float.IsFinite(v))
                throw m.Error($"has a NaN or infinity in {field} '{file}'; re-export the bundle");
        return values;
    }

    /// <summary>
    /// The inputs and outputs a component's graph must have (docs/bundle-format.md, "Graph inputs and
    /// outputs"); -1 marks the dynamic batch.
    /// </summary>
    internal (GraphPort[] Inputs, GraphPort[] Outputs) Contract(string component)
    {
        long c = LatentChannels, h = LatentSize, t = Tokens, d = Width, ic = ImageChannels, s = ImageSize;
        GraphPort Latent(string name) => new(name, false, [-1, c, h, h]);
        return component switch
        {
            "unet" => ([Latent("latent"), new("timestep", true, [-1]), new("context", false, [-1, t, d])], [Latent("noise")]),
            "unet_grad" => ([Latent("latent"), new("timestep", true, [-1]), new("context", false, [-1, t, d]), Latent("grad_output")],
                            [new("grad_context", false, [-1, t, d])]),
            "unet_loss_grad" => ([Latent("latent"), new("timestep", true, [-1]), new("context", false, [-1, t, d]), Latent("target"), Latent("weight")],
                                 [new("loss", false, [-1]), new("grad_context", false, [-1, t, d])]),
            "vae_encoder" => ([new("image", false, [-1, ic, s, s])], [Latent("latent")]),
            "vae_decoder" => ([Latent("latent")], [new("image", false, [-1, ic, s, s])]),
            _ => throw new ArgumentOutOfRangeException(nameof(component)),
        };
    }

    /// <summary>Checks a graph's declared inputs and outputs against <see cref="Contract"/>; throws a <see cref="ModelException"/> naming the first disagreement.</summary>
    internal void CheckGraph(string component, IReadOnlyList<GraphPort> inputs, IReadOnlyList<GraphPort> outputs)
    {
        var (wantIn, wantOut) = Contract(component);
        var file = GraphPath(component) ?? component;
        CheckPorts(file, "input", wantIn, inputs);
        CheckPorts(file, "output", wantOut, outputs);
    }

    private void CheckPorts(string file, string kind, GraphPort[] wanted, IReadOnlyList<GraphPort> actual)
    {
        foreach (var w in wanted)
        {
            var found = actual.FirstOrDefault(a => a.Name == w.Name);
            if (found.Name is null)
                throw new ModelException($"Graph '{file}' of bundle '{Id}' has no {kind} '{w.Name}' (it has: {string.Join(", ", actual.Select(a => a.Name))}); the bundle format needs {w}.");
            if (found.IsInt64 != w.IsInt64)
                throw new ModelException($"Graph '{file}' {kind} '{w.Name}' is {(found.IsInt64 ? "int64" : "not int64")}; the bundle format needs {w}.");
            bool ok = found.Shape.Length == w.Shape.Length;
            for (int i = 0; ok && i < w.Shape.Length; i++)
                // The batch must be dynamic; a fixed size may also be left dynamic in the graph (it then accepts the manifest's).
                ok = w.Shape[i] < 0 ? found.Shape[i] < 0 : found.Shape[i] == w.Shape[i] || found.Shape[i] < 0;
            if (!ok)
                throw new ModelException($"Graph '{file}' {kind} '{w.Name}' has shape [{string.Join(",", found.Shape)}] but the manifest of bundle '{Id}' implies {w} (-1 = dynamic batch): fix the manifest's sizes or re-export the graph.");
        }
        if (actual.Count != wanted.Length)
            throw new ModelException($"Graph '{file}' has {actual.Count} {kind}s ({string.Join(", ", actual.Select(a => a.Name))}); the bundle format needs exactly {string.Join(", ", wanted.Select(w => w.Name))}.");
    }

    private sealed class ManifestReader(string path)
    {
        public ModelException Error(string what) => new($"Bundle manifest '{path}' {what}.");

        public JsonElement Object(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Object)
                throw Error($"lacks the object \"{name}\" (see docs/bundle-format.md)");
            return v;
        }

        public IEnumerable<JsonElement> Array(JsonElement e, string name, string field)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array)
                throw Error($"lacks the array {field}");
            return v.EnumerateArray().ToArray();
        }

        public string String(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
                throw Error($"lacks the string \"{name}\" (see docs/bundle-format.md)");
            return v.GetString()!;
        }

        public int Int(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int i))
                throw Error($"lacks the integer \"{name}\" (see docs/bundle-format.md)");
            return i;
        }

        public int Positive(JsonElement e, string name, string field)
        {
            int v = Int(e, name);
            if (v <= 0)
                throw Error($"has {field} {v}; it must be positive");
            return v;
        }

        public string ExistingFile(string directory, string file, string field)
        {
            if (string.IsNullOrEmpty(file) || Path.IsPathRooted(file) || file.Contains(".."))
                throw Error($"has {field} '{file}'; it must name a file inside the bundle folder");
            var full = Path.Combine(directory, file);
            if (!File.Exists(full))
                throw Error($"names {field} '{file}' but '{full}' does not exist; copy the file into the bundle or fix the manifest");
            return full;
        }
    }
}
