using AnomalyEngine.Embedding;
using AnomalyEngine.Generation;

namespace AnomalyEngine.Tests.Cli;

/// <summary>learn, generate and demo through the command line, on the oracle bundle or tiny settings.</summary>
[Collection("Cli")]
public class PipelineVerbTests
{
    private static readonly string Oracle = CliHarness.Fixture("oracle-bundle");

    /// <summary>A one-surface synthetic category with crack images, written through the synth-data verb.</summary>
    private static string Category(string root)
    {
        var r = CliHarness.Run("synth-data", "--out", Path.Combine(root, "synth"), "--size", "32", "--train-per-surface", "4",
            "--test-per-defect", "3", "--surfaces", "wood", "--defects", "crack");
        Assert.True(r.ExitCode == 0, r.ToString());
        return Path.Combine(root, "synth", "wood");
    }

    [Fact]
    public void Learn_then_generate_write_an_embedding_and_a_dataset_and_resume_skips_finished_items()
    {
        string root = CliHarness.TempFolder();
        string data = Category(root), emb = Path.Combine(root, "emb"), gen = Path.Combine(root, "gen");
        var learn = CliHarness.Run("learn", "--bundle", Oracle, "--data", data, "--defect", "crack", "--steps", "12", "--out", emb, "--json");
        Assert.True(learn.ExitCode == 0, learn.ToString());
        Assert.Equal(12, (int)learn.Json["steps"]!);
        Assert.Equal("exact", (string)learn.Json["gradient"]!);
        Assert.Equal("unet_loss_grad", (string)learn.Json["graphs"]!);
        var embedding = AnomalyEmbedding.Load(Path.Combine(emb, "crack.embedding.json"));
        Assert.Equal(3, embedding.Support.Count);
        Assert.True(File.Exists(Path.Combine(emb, "crack.loss.png")));
        Assert.Equal(13, File.ReadAllLines(Path.Combine(emb, "crack.loss.csv")).Length);

        string[] generate = ["generate", "--bundle", Oracle, "--data", data, "--embeddings", emb, "--out", gen, "--steps", "3", "--region", "whole", "--json"];
        var first = CliHarness.Run(generate);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(4 * 2 * 2, (int)first.Json["written"]!); // 4 normals x 2 boxes x 2 samples
        Assert.Equal(16, GenerationManifest.Read(Path.Combine(gen, "manifest.jsonl")).Count);
        var again = CliHarness.Run([.. generate, "--resume"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(0, (int)again.Json["written"]!);
        Assert.Equal(16, (int)again.Json["already_done"]!);
        Directory.Delete(root, true);
    }

    [Fact]
    public void Learn_and_generate_refuse_bad_input_with_the_documented_exit_codes()
    {
        string root = CliHarness.TempFolder();
        string data = Category(root);
        Assert.Equal(2, CliHarness.Run("learn", "--bundle", Oracle, "--data", data, "--defect", "crack").ExitCode);                       // no --out
        Assert.Equal(2, CliHarness.Run("learn", "--bundle", Oracle, "--data", data, "--defect", "crack", "--out", root, "--gradient", "magic").ExitCode);
        Assert.Equal(3, CliHarness.Run("learn", "--bundle", Oracle, "--data", data, "--defect", "dent", "--out", root).ExitCode);        // no such defect
        Assert.Equal(3, CliHarness.Run("learn", "--bundle", Oracle, "--data", Path.Combine(root, "missing"), "--defect", "crack", "--out", root).ExitCode);
        Assert.Equal(4, CliHarness.Run("learn", "--bundle", Path.Combine(root, "no-bundle"), "--data", data, "--defect", "crack", "--out", root).ExitCode);
        var foreign = new AnomalyEmbedding
        {
            BundleId = "another-bundle", Defect = "crack", Vector = new float[8], Support = [], Steps = 1, FinalLoss = 0, Gradient = "exact", Seed = 0,
            BoxSizes = new BoxSizeRange(0.1, 0.2, 0.1, 0.2),
        };
        string foreignPath = Path.Combine(root, "foreign.embedding.json");
        foreign.Save(foreignPath);
        Assert.Equal(4, CliHarness.Run("generate", "--bundle", Oracle, "--data", data, "--embedding", foreignPath, "--out", Path.Combine(root, "g1")).ExitCode);
        Assert.Equal(2, CliHarness.Run("generate", "--bundle", Oracle, "--data", data, "--embedding", foreignPath, "--out", Path.Combine(root, "g2"), "--shard", "2/2").ExitCode);
        Assert.Equal(2, CliHarness.Run("generate", "--bundle", Oracle, "--data", data, "--out", Path.Combine(root, "g3")).ExitCode);    // no embeddings
        Directory.Delete(root, true);
    }

    [Fact]
    public void Demo_runs_the_whole_pipeline_at_toy_size_and_writes_its_report()
    {
        string root = CliHarness.TempFolder();
        var r = CliHarness.Run("demo", "--out", root, "--size", "64", "--normals", "4", "--learn-steps", "3", "--train-steps", "3", "--detector-seeds", "2", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        string report = (string)r.Json["report"]!;
        Assert.True(File.Exists(report));
        var html = File.ReadAllText(report);
        Assert.Contains("Perlin + generated", html);
        Assert.Equal(2, r.Json["arms"]!.AsArray().Count);
        Assert.Equal(2, r.Json["arms"]![0]!["per_seed"]!.AsArray().Count);
        Assert.True(File.Exists(Path.Combine(root, "generated", "manifest.jsonl")));
        Directory.Delete(root, true);
    }
}
