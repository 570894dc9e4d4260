using System.Text.Json.Nodes;
using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Cli;

[Collection("Cli")]
public class CliVerbTests
{
    [Fact]
    public void Info_json_reports_the_runtime_on_stdout_only()
    {
        var r = CliHarness.Run("info", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("1.31.1", (string)r.Json["native"]!["onnxRuntimeVersion"]!);
        Assert.Equal(NativeRuntime.Capabilities.TensorRT, (bool)r.Json["native"]!["tensorRT"]!);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void Info_prints_a_table_with_the_onnx_runtime_version()
    {
        var r = CliHarness.Run("info");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("ONNX Runtime", r.Stdout);
        Assert.Contains("1.31.1", r.Stdout);
    }

    [Fact]
    public void Info_with_a_bundle_checks_its_graphs_and_names_the_learn_gradient_path()
    {
        var r = CliHarness.Run("info", "--bundle", CliHarness.Fixture("oracle-bundle"), "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var b = r.Json["bundle"]!;
        Assert.Equal("oracle-gaussian-v1", (string)b["id"]!);
        Assert.Equal("4x8x8", (string)b["latent"]!);
        Assert.Equal(["unet", "unet_grad", "unet_loss_grad", "vae_encoder", "vae_decoder"], b["components"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.StartsWith("exact, fused", (string)b["learnGradient"]!);

        // A manifest whose fused graph is the wrong file: exit 4, naming the missing input.
        var broken = Diffusion.OracleBundle.CopyWith(m => m["components"]!["unet_loss_grad"]!["onnx"] = "unet_grad.onnx");
        try
        {
            var bad = CliHarness.Run("info", "--bundle", broken);
            Assert.Equal(4, bad.ExitCode);
            Assert.Contains("target", bad.Stderr);
        }
        finally
        {
            Directory.Delete(broken, true);
        }
    }

    [Fact]
    public void Synth_data_writes_the_counted_images_in_mvtec_layout()
    {
        string dir = CliHarness.TempFolder();
        var r = CliHarness.Run("synth-data", "--out", dir, "--size", "16", "--train-per-surface", "2", "--test-per-defect", "1", "--surfaces", "wood,tile", "--defects", "hole,crack");
        Assert.True(r.ExitCode == 0, r.ToString());
        // Per surface: 2 train + 1 good test + 1 per defect.
        var images = Directory.GetFiles(dir, "*.png", SearchOption.AllDirectories).Where(f => !f.Contains("ground_truth")).ToList();
        Assert.Equal(2 * (2 + 1 + 2), images.Count);
        Assert.Contains($"wrote {images.Count} images", r.Stdout.Replace("\n", " "));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir, "tile", "ground_truth"), "*.png", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void Synth_data_without_out_exits_2()
    {
        var r = CliHarness.Run("synth-data", "--size", "16");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--out", r.Stderr);
    }

    [Fact]
    public void Eval_of_perfect_image_scores_reports_auroc_one()
    {
        string dir = CliHarness.TempFolder();
        string data = Path.Combine(dir, "data");
        Assert.Equal(0, CliHarness.Run("synth-data", "--out", data, "--size", "16", "--train-per-surface", "1", "--test-per-defect", "2", "--surfaces", "wood", "--defects", "hole,stain").ExitCode);
        // Score 1 for every defective test image, 0 for the good ones: a perfect ranking.
        var lines = Directory.GetFiles(Path.Combine(data, "wood", "test"), "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(data, f).Replace('\\', '/'))
            .Select(k => $"{k},{(k.Contains("/good/") ? 0 : 1)}");
        string scores = Path.Combine(dir, "scores.csv");
        File.WriteAllLines(scores, lines);
        var r = CliHarness.Run("eval", "--data", data, "--scores", scores, "--out", Path.Combine(dir, "eval"), "--device", "cpu");
        Assert.True(r.ExitCode == 0, r.ToString());
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "eval", "metrics.json")))!;
        Assert.Contains("\"auroc\": 1", metrics.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }).ToLowerInvariant());
        Assert.True(File.Exists(Path.Combine(dir, "eval", "report.html")));
    }

    [Fact]
    public void Eval_of_a_missing_dataset_exits_3()
    {
        string dir = CliHarness.TempFolder();
        var r = CliHarness.Run("eval", "--data", Path.Combine(dir, "nothing-here"), "--scores", Path.Combine(dir, "s.csv"), "--out", dir, "--device", "cpu");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("does not exist", r.Stderr);
    }

    [Fact]
    public void Build_engine_without_tensorrt_exits_5_saying_so()
    {
        if (NativeRuntime.Capabilities.TensorRT)
            return; // a TensorRT machine builds the plan instead (covered by the GPU check)
        var r = CliHarness.Run("build-engine", "--graph", CliHarness.Fixture("batch_affine.onnx"), "--out", Path.Combine(CliHarness.TempFolder(), "x.plan"));
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("TensorRT is not available", r.Stderr);
        var json = CliHarness.Run("build-engine", "--bundle", CliHarness.Fixture("oracle-bundle"), "--json");
        Assert.Equal(5, json.ExitCode);
        Assert.Equal(5, (int)json.Json["exitCode"]!);
    }

    [Theory]
    [InlineData("--min-batch", "4", "--opt-batch", "2")]
    [InlineData("--max-batch", "0", "--opt-batch", "1")]
    [InlineData("--bundle", "x", "--graph", "y.onnx")]
    public void Build_engine_with_inconsistent_options_exits_2(string a, string b, string c, string d)
    {
        string[] args = a == "--bundle" ? ["build-engine", a, b, c, d] : ["build-engine", "--graph", CliHarness.Fixture("batch_affine.onnx"), a, b, c, d];
        Assert.Equal(2, CliHarness.Run(args).ExitCode);
    }

    [Fact]
    public void Build_engine_of_a_missing_graph_or_bundle_exits_4()
    {
        Assert.Equal(4, CliHarness.Run("build-engine", "--graph", "/nonexistent/model.onnx").ExitCode);
        Assert.Equal(4, CliHarness.Run("build-engine", "--bundle", CliHarness.TempFolder()).ExitCode);
    }

    [Fact]
    public void Build_engine_profiles_set_only_the_dynamic_batch()
    {
        var profiles = AnomalyEngine.Cli.Commands.BuildEngineCommand.Profiles(CliHarness.Fixture("dynamic_batch.onnx"), 1, 4, 8);
        var x = Assert.Single(profiles); // offset: int64[1] is static
        Assert.Equal("x", x.Name);
        Assert.Equal([1L, 4L], x.Min);
        Assert.Equal([4L, 4L], x.Opt);
        Assert.Equal([8L, 4L], x.Max);
    }

    [Fact]
    public void Bench_json_reports_median_min_max_per_batch()
    {
        var r = CliHarness.Run("bench", "--graph", CliHarness.Fixture("dynamic_batch.onnx"), "--batch", "1,3", "--runs", "5", "--warmup", "1", "--threads", "1", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var results = r.Json["results"]!.AsArray();
        Assert.Equal([1, 3], results.Select(x => (int)x!["batch"]!));
        foreach (var x in results)
        {
            double median = (double)x!["medianMs"]!, min = (double)x["minMs"]!, max = (double)x["maxMs"]!;
            Assert.InRange(median, min, max);
            Assert.True(min > 0);
            Assert.Equal((int)x["batch"]! * 1000.0 / median, (double)x["itemsPerSecond"]!, 9);
        }
        Assert.Equal("OnnxRuntime", (string)r.Json["backend"]!);
    }

    [Fact]
    public void Bench_times_a_bundle_unet()
    {
        var r = CliHarness.Run("bench", "--bundle", CliHarness.Fixture("oracle-bundle"), "--batch", "2", "--runs", "2", "--warmup", "0", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.EndsWith("unet.onnx", (string)r.Json["graph"]!);
    }

    [Fact]
    public void Bench_median_of_even_count_is_the_mean_of_the_middle_two()
    {
        var t = AnomalyEngine.Cli.Commands.BenchCommand.Summarise(4, [5, 1, 3, 9]);
        Assert.Equal(4, t.MedianMs);
        Assert.Equal(1, t.MinMs);
        Assert.Equal(9, t.MaxMs);
        Assert.Equal(1000, t.ItemsPerSecond);
    }

    [Theory]
    [InlineData("--batch", "0")]
    [InlineData("--batch", "1,x")]
    [InlineData("--runs", "0")]
    [InlineData("--device", "tpu")]
    public void Bench_bad_options_exit_2(string option, string value)
    {
        Assert.Equal(2, CliHarness.Run("bench", "--graph", CliHarness.Fixture("dynamic_batch.onnx"), option, value).ExitCode);
    }

    [Fact]
    public void Bench_of_a_fixed_batch_graph_at_another_batch_exits_2()
    {
        var r = CliHarness.Run("bench", "--graph", CliHarness.Fixture("elementwise.onnx"), "--batch", "4");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--batch 2", r.Stderr);
    }

    [Fact]
    public void Bench_of_a_missing_or_corrupt_graph_exits_4()
    {
        Assert.Equal(4, CliHarness.Run("bench", "--graph", "/nonexistent/g.onnx").ExitCode);
        string bad = Path.Combine(CliHarness.TempFolder(), "bad.onnx");
        File.WriteAllText(bad, "not a graph");
        var r = CliHarness.Run("bench", "--graph", bad);
        Assert.Equal(4, r.ExitCode);
    }
}
