namespace AnomalyEngine.Diffusion;

/// <summary>What the sampler needs of a model: sizes, schedule, unconditional context and the two callables.</summary>
internal sealed record DiffusionModel(
    int ImageSize,
    int LatentChannels,
    int LatentSize,
    float ScaleFactor,
    int Tokens,
    int Width,
    float[] Unconditional,
    NoiseSchedule Schedule,
    PredictionType Prediction,
    INoisePredictor Predictor,
    IAutoencoder? Autoencoder)
{
    public const int ImageChannels = 3;
    public int LatentElements => LatentChannels * LatentSize * LatentSize;
    public int ImageElements => ImageChannels * ImageSize * ImageSize;
    public int ContextElements => Tokens * Width;
}
