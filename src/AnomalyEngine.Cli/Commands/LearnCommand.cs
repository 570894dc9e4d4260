using System.ComponentModel;
using AnomalyEngine.Compute;
using AnomalyEngine.Data;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;
using AnomalyEngine.Native;
using Spectre.Console;
using Spectre.Console.Cli;
using System.Text.Json.Nodes;

namespace AnomalyEngine.Cli.Commands;

/// <summary>`anomaly-engine learn`: stage 1, an anomaly embedding from a few defect images with masks.</summary>
internal sealed class LearnCommand : Command<LearnCommand.Settings>
{
    public sealed class Settings : BundleSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("An MVTec-layout category folder to take the support images from (test/<defect> with ground_truth masks).")]
        public string? Data { get; init; }

        [CommandOption("--defect <NAME>")]
        [Description("The defect type to learn (a folder name under test/ with --data; the embedding's name otherwise).")]
        public string? Defect { get; init; }

        [CommandOption("--shots <K>")]
        [Description("Support images drawn from the defect type with --data. Default 3.")]
        [DefaultValue(3)]
        public int Shots { get; init; } = 3;

        [CommandOption("--image <FILE>")]
        [Description("An explicit support image (repeat; pair each with a --mask, in order).")]
        public string[] Images { get; init; } = [];

        [CommandOption("--mask <FILE>")]
        [Description("The mask of the --image at the same position.")]
        public string[] Masks { get; init; } = [];

        [CommandOption("-o|--out <DIR>")]
        [Description("Output folder for <defect>.embedding.json, .loss.csv, .loss.png.")]
        public string? Out { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Optimisation steps. Default 6100 (AnoGen).")]
        [DefaultValue(6100)]
        public int Steps { get; init; } = 6100;

        [CommandOption("--batch <N>")]
        [Description("Rows per step. Default 4.")]
        [DefaultValue(4)]
        public int Batch { get; init; } = 4;

        [CommandOption("--lr <RATE>")]
        [Description("AdamW learning rate. Default 0.02 (AnoGen's effective rate).")]
        [DefaultValue(0.02)]
        public double LearningRate { get; init; } = 0.02;

        [CommandOption("--weight-decay <W>")]
        [DefaultValue(0.01)]
        [Description("AdamW weight decay. Default 0.01.")]
        public double WeightDecay { get; init; } = 0.01;

        [CommandOption("--beta1 <B>")]
        [DefaultValue(0.9)]
        [Description("AdamW beta1. Default 0.9.")]
        public double Beta1 { get; init; } = 0.9;

        [CommandOption("--beta2 <B>")]
        [DefaultValue(0.999)]
        [Description("AdamW beta2. Default 0.999.")]
        public double Beta2 { get; init; } = 0.999;

        [CommandOption("--gradient <MODE>")]
        [Description("auto | exact | gradient-free. Auto: exact when the bundle has unet_loss_grad or unet_grad.")]
        [DefaultValue("auto")]
        public string Gradient { get; init; } = "auto";

        [CommandOption("--directions <K>")]
        [Description("Gradient-free: random directions per step (2K forward rows per batch row). Default 4.")]
        [DefaultValue(4)]
        public int Directions { get; init; } = 4;

        [CommandOption("--sigma <S>")]
        [Description("Gradient-free: smoothing radius relative to the initial embedding's RMS. Default 0.05.")]
        [DefaultValue(0.05f)]
        public float Sigma { get; init; } = 0.05f;

        [CommandOption("--vocabulary-subspace")]
        [Description("Gradient-free: draw directions in the span of the bundle's vocabulary.")]
        public bool VocabularySubspace { get; init; }

        [CommandOption("--no-flip")]
        [Description("Disable the joint random horizontal flips.")]
        public bool NoFlip { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the support draw and of every random number. Default 0.")]
        [DefaultValue(0UL)]
        public ulong Seed { get; init; }

        [CommandOption("--checkpoint-every <N>")]
        [Description("Checkpoint every N steps. Default 500.")]
        [DefaultValue(500)]
        public int CheckpointEvery { get; init; } = 500;

        [CommandOption("--resume")]
        [Description("Continue an interrupted run from its checkpoint (same inputs and options).")]
        public bool Resume { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrEmpty(Out)) return ValidationResult.Error("--out is required: the folder to write the embedding into");
            if (Data is null && Images.Length == 0) return ValidationResult.Error("give the support set: --data <category> --defect <type>, or --image/--mask pairs");
            if (Data is not null && Defect is null) return ValidationResult.Error("--data needs --defect <type>");
            if (Images.Length != Masks.Length) return ValidationResult.Error($"{Images.Length} --image but {Masks.Length} --mask: give one mask per image");
            if (Data is null && Defect is null) return ValidationResult.Error("--defect <name> is required: it names the embedding");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var mode = s.Gradient.ToLowerInvariant() switch
        {
            "auto" => GradientMode.Auto,
            "exact" => GradientMode.Exact,
            "gradient-free" => GradientMode.GradientFree,
            _ => throw new InvalidOptionException($"--gradient must be auto, exact or gradient-free (got \"{s.Gradient}\")."),
        };
        var options = new LearnOptions
        {
            Steps = s.Steps, BatchSize = s.Batch, Seed = s.Seed, Flip = !s.NoFlip, Gradient = mode, Directions = s.Directions,
            Sigma = s.Sigma, VocabularySubspace = s.VocabularySubspace, CheckpointEvery = s.CheckpointEvery,
            Optimizer = new AdamWOptions { LearningRate = s.LearningRate, WeightDecay = s.WeightDecay, Beta1 = s.Beta1, Beta2 = s.Beta2 },
        };
        var (bundle, graphs, device) = s.Open();
        using var ownGraphs = graphs;
        using var ownDevice = device;
        var support = s.Data is not null
            ? SupportSetLoader.FromDataset(MvtecLayout.Read(s.Data), s.Defect!, s.Shots, s.Seed, bundle.ImageSize)
            : SupportSetLoader.FromFiles(s.Defect!, s.Images.Zip(s.Masks).ToList(), bundle.ImageSize);

        var outcome = StepProgress.Run($"learn {support.Defect}", options.Steps, "steps", progress =>
            EmbeddingTrainer.Run(graphs, device, support, options, s.Out!, s.Resume, progress.As<LearnProgress>(p => p.Step), cancellationToken));
        var r = outcome.Result;
        if (s.Json)
        {
            JsonOutput.Write(new JsonObject
            {
                ["defect"] = support.Defect, ["embedding"] = outcome.EmbeddingPath, ["loss_csv"] = outcome.LossCsvPath, ["loss_png"] = outcome.LossPngPath,
                ["steps"] = r.Losses.Count, ["resumed_from_step"] = r.ResumedFromStep, ["gradient"] = outcome.Embedding.Gradient, ["graphs"] = r.Graphs,
                ["final_loss"] = outcome.Embedding.FinalLoss, ["coverage_mask"] = r.UsedCoverageMask,
            });
            return 0;
        }
        AnsiConsole.MarkupLineInterpolated($"learned [bold]{support.Defect}[/] from {support.Examples.Count} images: {r.Losses.Count} steps ({outcome.Embedding.Gradient} gradients through {r.Graphs}{(r.ResumedFromStep > 0 ? $", resumed at step {r.ResumedFromStep}" : "")}), final loss {outcome.Embedding.FinalLoss:F5}");
        if (r.UsedCoverageMask)
            AnsiConsole.MarkupLine("[yellow]note:[/] a support defect is thinner than the latent grid; its covered latent cells were used as the loss mask.");
        AnsiConsole.MarkupLineInterpolated($"wrote {outcome.EmbeddingPath}, {outcome.LossCsvPath}, {outcome.LossPngPath}");
        return 0;
    }
}
