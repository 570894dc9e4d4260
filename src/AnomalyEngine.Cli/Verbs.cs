using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>Every verb of the command line, registered in one place.</summary>
internal static class Verbs
{
    public static void Register(IConfigurator config)
    {
        // One line per verb: config.AddCommand<XCommand>("x").WithDescription(...).WithExample(...);
        config.AddCommand<Commands.TrainCommand>("train").WithDescription("Train a detector (head: weakly supervised on Perlin and generated anomalies; patchcore: normal images only) into a bundle.").WithExample("train", "--normals", "data/hazelnut/train/good", "--out", "artifacts/detector");
        config.AddCommand<Commands.DetectCommand>("detect").WithDescription("Score images with a detector bundle: 16-bit heat maps and a scores CSV.").WithExample("detect", "--detector", "artifacts/detector", "--images", "data/hazelnut/test/colour", "--out", "artifacts/detect");
        config.AddCommand<Commands.GenerateCommand>("generate").WithDescription("Stage 2: generate synthetic defects on normal images (MVTec layout, manifest, resumable, shardable).").WithExample("generate", "--data", "data/hazelnut", "--embeddings", "out/embeddings", "--out", "out/generated");
        config.AddCommand<Commands.LearnCommand>("learn").WithDescription("Stage 1: learn an anomaly embedding from a few defect images with masks.").WithExample("learn", "--data", "data/hazelnut", "--defect", "crack", "--shots", "3", "--out", "out/embeddings");
        config.AddCommand<Commands.DemoCommand>("demo").WithDescription("Run the whole pipeline on the embedded default bundle and write an HTML report.").WithExample("demo", "--out", "demo-out");
        config.AddCommand<Commands.InfoCommand>("info").WithDescription("Show versions, compute devices and graph back ends (TensorRT, CUDA) of this machine; with --bundle, check and describe a bundle.").WithExample("info", "--json").WithExample("info", "--bundle", "models/default");
        config.AddCommand<Commands.SynthDataCommand>("synth-data").WithDescription("Write a procedural surface-defect dataset (MVTec AD layout) with exact masks.").WithExample("synth-data", "--out", "artifacts/synth", "--size", "64");
        config.AddCommand<Commands.EvalCommand>("eval").WithDescription("Measure heat maps and image scores against ground truth: AUROC, AP, AUPRO, F1-max, with a report.").WithExample("eval", "--data", "data/mvtec", "--maps", "out/maps", "--out", "out/eval");
        config.AddCommand<Commands.BuildEngineCommand>("build-engine").WithDescription("Build TensorRT plans from ONNX graphs (one graph, or each component of a bundle) with min/opt/max batch profiles.").WithExample("build-engine", "--bundle", "models/default", "--max-batch", "8", "--fp16").WithExample("build-engine", "--graph", "unet.onnx", "--out", "unet.plan");
        config.AddCommand<Commands.BenchCommand>("bench").WithDescription("Time one graph or a bundle's unet through the engine: median latency per call at each batch size.").WithExample("bench", "--bundle", "models/default", "--batch", "1,4,8").WithExample("bench", "--graph", "model.onnx", "--runs", "50", "--json");
    }
}
