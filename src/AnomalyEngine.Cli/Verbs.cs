using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>Every verb of the command line, registered in one place.</summary>
internal static class Verbs
{
    public static void Register(IConfigurator config)
    {
        // One line per verb: config.AddCommand<XCommand>("x").WithDescription(...).WithExample(...);
        config.AddCommand<Commands.SynthDataCommand>("synth-data").WithDescription("Write a procedural surface-defect dataset (MVTec AD layout) with exact masks.").WithExample("synth-data", "--out", "artifacts/synth", "--size", "64");
        config.AddCommand<Commands.EvalCommand>("eval").WithDescription("Measure heat maps and image scores against ground truth: AUROC, AP, AUPRO, F1-max, with a report.").WithExample("eval", "--data", "data/mvtec", "--maps", "out/maps", "--out", "out/eval");
    }
}
