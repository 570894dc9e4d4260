using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Generation;

namespace AnomalyEngine.Embedding;

/// <summary>What <see cref="EmbeddingTrainer.Run"/> wrote.</summary>
public sealed record LearnOutcome(AnomalyEmbedding Embedding, string EmbeddingPath, string LossCsvPath, string LossPngPath, LearnResult Result);

/// <summary>
/// Stage 1 end to end: learns one embedding from a support set with a bundle's graphs and writes
/// <c>&lt;defect&gt;.embedding.json</c>, <c>&lt;defect&gt;.loss.csv</c> and <c>&lt;defect&gt;.loss.png</c> into a folder,
/// checkpointing to <c>&lt;defect&gt;.checkpoint.json</c>.
/// </summary>
public static class EmbeddingTrainer
{
    /// <summary>Final loss: the mean of the last steps' losses (single steps are noisy: t and eps are random).</summary>
    public const int FinalLossWindow = 50;

    public static LearnOutcome Run(BundleGraphs graphs, ComputeDevice device, SupportSet support, LearnOptions options, string outputDir,
        bool resume = false, IProgress<LearnProgress>? progress = null, CancellationToken cancel = default)
    {
        var bundle = graphs.Bundle;
        if (support.ImageSize != bundle.ImageSize)
            throw new InvalidInputException($"The support set was prepared at {support.ImageSize}px; bundle {bundle.Id} works at {bundle.ImageSize}px.");
        Directory.CreateDirectory(outputDir);
        string stem = Path.Combine(outputDir, support.Defect);
        string checkpoint = stem + ".checkpoint.json";
        if (!resume && File.Exists(checkpoint))
            throw new InvalidOptionException($"{checkpoint} holds an unfinished run: pass --resume to continue it, or delete it to start over.");

        var gradient = graphs.UnetGrad is null ? null : new GraphConditioningGradient(graphs.UnetGrad, bundle);
        var vocabulary = Enumerable.Range(0, bundle.VocabularyNames.Count).Select(i => bundle.Vocabulary.AsSpan(i * bundle.Width, bundle.Width).ToArray()).ToList();
        var lossGradient = graphs.UnetLossGrad is null ? null : new GraphConditioningLossGradient(graphs.UnetLossGrad, bundle);
        var learner = new EmbeddingLearner(graphs.Model(), bundle.Template, bundle.PlaceholderSlot, bundle.InitialEmbedding, gradient, vocabulary, device, options, lossGradient);
        var result = learner.Learn(support, checkpoint, progress, cancel);

        var embedding = new AnomalyEmbedding
        {
            BundleId = bundle.Id,
            Defect = support.Defect,
            Vector = result.Vector,
            Support = support.Examples.Select(e => e.Source).ToList(),
            BoxSizes = BoxProposer.FromSupportMasks(support.Examples.Select(e => (e.Mask, support.ImageSize, support.ImageSize))),
            Steps = result.Losses.Count,
            FinalLoss = result.Losses.TakeLast(FinalLossWindow).Average(),
            Gradient = result.Gradient == GradientMode.Exact ? "exact" : "gradient-free",
            Seed = options.Seed,
        };
        string embeddingPath = stem + ".embedding.json";
        embedding.Save(embeddingPath);
        LossCurve.WriteCsv(stem + ".loss.csv", result.Losses);
        LossCurve.WritePng(stem + ".loss.png", result.Losses);
        File.Delete(checkpoint);
        return new LearnOutcome(embedding, embeddingPath, stem + ".loss.csv", stem + ".loss.png", result);
    }
}
