using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>Every verb of the command line, registered in one place.</summary>
internal static class Verbs
{
    public static void Register(IConfigurator config)
    {
        // One line per verb: config.AddCommand<XCommand>("x").WithDescription(...).WithExample(...);
        config.AddCommand<Commands.InfoCommand>("info").WithDescription("Show versions, compute devices and graph back ends (TensorRT, CUDA) of this machine.").WithExample("info", "--json");
        config.AddCommand<Commands.SynthDataCommand>("synth-data").WithDescription("Write a procedural surface-defect dataset (MVTec AD layout) with exact masks.").WithExample("synth-data", "--out", "artifacts/synth", "--size", "64");
        config.AddCommand<Commands.EvalCommand>("eval").WithDescription("Measure heat maps and image scores against ground truth: AUROC, AP, AUPRO, F1-max, with a report.").WithExample("eval", "--data", "data/mvtec", "--maps", "out/maps", "--out", "out/eval");
        config.AddCommand<Commands.BuildEngineCommand>("build-engine").WithDescription("Build TensorRT plans from ONNX graphs (one graph, or each component of a bundle) with min/opt/max batch profiles.").WithExample("build-engine", "--bundle", "models/default", "--max-batch", "8", "--fp16").WithExample("build-engine", "--graph", "unet.onnx", "--out", "unet.plan");
        config.AddCommand<Commands.BenchCommand>("bench").WithDescription("Time one graph or a bundle's unet through the engine: median latency per call at each batch size.").WithExample("bench", "--bundle", "models/default", "--batch", "1,4,8").WithExample("bench", "--graph", "model.onnx", "--runs", "50", "--json");
    }
}
