using AnomalyEngine.Cli;
using AnomalyEngine.Data;
using Spectre.Console.Cli;

namespace AnomalyEngine.Tests.Synthesis;

public sealed class SynthDataCommandTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ae-synthcli-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    private static int Run(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(c => { c.PropagateExceptions(); Verbs.Register(c); });
        return CliRunner.Run(app, args);
    }

    [Fact]
    public void Verb_writes_the_chosen_surfaces_defects_and_counts()
    {
        string outDir = Path.Combine(root, "out");
        Assert.Equal(0, Run("synth-data", "--out", outDir, "--size", "20", "--train-per-surface", "2", "--test-per-defect", "1",
            "--surfaces", "wood,concrete", "--defects", "crack", "--seed", "4"));
        Assert.Equal(["concrete", "wood"], Directory.GetDirectories(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var ds = MvtecLayout.Read(Path.Combine(outDir, "wood"));
        Assert.Equal((2, 1, 1), (ds.Count(DatasetSplit.Train, "good"), ds.Count(DatasetSplit.Test, "good"), ds.Count(DatasetSplit.Test, "crack")));
        Assert.Equal(20, AnomalyEngine.Imaging.ImageCodec.Identify(ds.Samples[0].ImagePath).Width);
        Assert.Equal(1 + 2 * 4, File.ReadAllLines(Path.Combine(outDir, "labels.csv")).Length);
    }

    [Fact]
    public void Bad_options_exit_with_code_2()
    {
        Assert.Equal(2, Run("synth-data", "--out", Path.Combine(root, "x"), "--surfaces", "marble"));
        Assert.Equal(2, Run("synth-data", "--out", Path.Combine(root, "x"), "--size", "4"));
        Assert.Equal(2, Run("synth-data"));
        Assert.False(Directory.Exists(Path.Combine(root, "x")));
    }
}
