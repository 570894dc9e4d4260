using System.Text.Json.Nodes;
using AnomalyEngine.Cli;
using Spectre.Console.Cli;

namespace AnomalyEngine.Tests.Cli;

[Collection("Cli")]
public class CliMechanismsTests
{
    private static CliResult Probe(CancellationToken cancel, params string[] args) =>
        CliHarness.Run(c => c.AddCommand<ProbeCommand>("probe"), cancel, ["probe", .. args]);

    [Theory]
    [InlineData("option", 2)]
    [InlineData("input", 3)]
    [InlineData("model", 4)]
    [InlineData("device", 5)]
    [InlineData("numeric", 6)]
    [InlineData("internal", 1)]
    public void Each_error_kind_exits_with_its_documented_code(string kind, int expected)
    {
        var r = Probe(default, "--throw", kind);
        Assert.Equal(expected, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Exit_codes_in_docs_match_the_exception_types()
    {
        string doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "cli.md"));
        foreach (var (code, name) in new[] { (0, "ok"), (1, "internal"), (2, "option"), (3, "input"), (4, "model"), (5, "device"), (6, "NaN"), (130, "interrupted") })
            Assert.Matches($@"\|\s*{code}\s*\|[^\n]*{name}", doc);
        Assert.Equal(2, new InvalidOptionException("x").ExitCode);
        Assert.Equal(3, new InvalidInputException("x").ExitCode);
        Assert.Equal(4, new ModelException("x").ExitCode);
        Assert.Equal(5, new DeviceUnavailableException("x").ExitCode);
        Assert.Equal(6, new NumericalException("x").ExitCode);
    }

    [Fact]
    public void Json_errors_print_one_object_with_the_message_and_code()
    {
        var r = Probe(default, "--throw", "model", "--json");
        Assert.Equal(4, r.ExitCode);
        Assert.Equal("bad model", (string)r.Json["error"]!);
        Assert.Equal(4, (int)r.Json["exitCode"]!);
    }

    [Fact]
    public void Json_keeps_stdout_to_the_result_and_sends_messages_and_progress_to_stderr()
    {
        var r = Probe(default, "--items", "3", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(3, (int)r.Json["items"]!);
        Assert.Single(r.Json);
        Assert.Contains("a message that must not reach stdout", r.Stderr);
        Assert.Contains("probe: 3/3 (100%) items in", r.Stderr);
    }

    [Fact]
    public void Without_json_progress_is_plain_lines_when_output_is_redirected()
    {
        var r = Probe(default, "--items", "2");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("probe: 0/2 (0%) items", r.Stdout);
        Assert.Contains("probe: 2/2 (100%) items in", r.Stdout);
        Assert.Contains("a message that must not reach stdout", r.Stdout);
    }

    [Fact]
    public void Plain_progress_line_gives_rate_and_eta_from_elapsed_time()
    {
        // 40 of 200 in 10 s: 4 items/s, 160 left -> 40 s.
        Assert.Equal("gen: 40/200 (20%), 4.0 images/s, ETA 40 s", StepProgress.Format("gen", 40, 200, "images", 10, final: false));
        Assert.Equal("gen: 200/200 (100%) images in 2m 05s", StepProgress.Format("gen", 200, 200, "images", 125, final: true));
        Assert.Equal("gen: 7, 0.5 images/s", StepProgress.Format("gen", 7, 0, "images", 14, final: false));
        Assert.Equal("1h 01m", StepProgress.Duration(3660));
    }

    [Fact]
    public void First_ctrl_c_stops_between_items_with_exit_130()
    {
        var signal = StopSignal.Manual(TextWriter.Null);
        ProbeCommand.AfterItem = i =>
        {
            if (i == 2) Assert.True(signal.Request());
        };
        try
        {
            var r = Probe(signal.Token, "--items", "10");
            Assert.Equal(130, r.ExitCode);
            Assert.Equal(2, ProbeCommand.ItemsDone);
            Assert.Single(r.Stderr.Trim().Split('\n'), line => line.StartsWith("interrupted"));
        }
        finally
        {
            ProbeCommand.AfterItem = null;
        }
    }

    [Fact]
    public void Second_ctrl_c_lets_the_process_end()
    {
        var messages = new StringWriter();
        using var signal = StopSignal.Manual(messages);
        Assert.False(signal.Token.IsCancellationRequested);
        Assert.True(signal.Request());
        Assert.True(signal.Token.IsCancellationRequested);
        Assert.False(signal.Request());
        Assert.Contains("Ctrl-C again", messages.ToString());
    }

    [Fact]
    public void Unknown_verbs_and_options_exit_2()
    {
        Assert.Equal(2, CliHarness.Run("no-such-verb").ExitCode);
        var r = CliHarness.Run("info", "--no-such-option");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no-such-option", r.Stderr);
    }

    [Fact]
    public void Every_command_class_answers_help_under_its_conventional_verb_name()
    {
        // --config finds a verb's options through this naming convention; a verb registered under
        // another name would fail here.
        var verbs = ConfigFile.VerbSettings(typeof(CliRunner).Assembly);
        Assert.Contains("build-engine", verbs.Keys);
        Assert.Contains("synth-data", verbs.Keys);
        foreach (var verb in verbs.Keys)
        {
            var r = CliHarness.Run(verb, "--help");
            Assert.True(r.ExitCode == 0, $"{verb}: {r}");
            Assert.Contains(verb, r.Stdout);
        }
    }

    [Fact]
    public void Config_file_reaches_a_verb_whose_settings_are_not_common_settings()
    {
        // train's settings derive from CommandSettings; its own check rejects the height given in the file.
        string dir = CliHarness.TempFolder();
        string config = Path.Combine(dir, "train.json");
        File.WriteAllText(config, """{ "height": 30 }""");
        var r = CliHarness.Run("train", "--normals", dir, "--out", Path.Combine(dir, "out"), "--config", config);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("x30)", r.Stderr);
    }

    [Fact]
    public void Config_file_supplies_options_and_the_command_line_wins()
    {
        string dir = CliHarness.TempFolder();
        string config = Path.Combine(dir, "bench.json");
        File.WriteAllText(config, """{ "batch": "2", "runs": 5, "warmup": 0, "json": true, "graph": "ignored-when-given.onnx" }""");
        var r = CliHarness.Run("bench", "--graph", CliHarness.Fixture("dynamic_batch.onnx"), "--config", config, "--runs", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(3, (int)r.Json["runs"]!);
        Assert.Equal(0, (int)r.Json["warmup"]!);
        Assert.Equal(2, (int)r.Json["results"]![0]!["batch"]!);
    }

    [Fact]
    public void Config_file_short_alias_on_the_command_line_wins_over_the_long_key()
    {
        string dir = CliHarness.TempFolder();
        string config = Path.Combine(dir, "synth.json");
        File.WriteAllText(config, $$"""{ "out": "{{Path.Combine(dir, "from-config").Replace("\\", "/")}}", "size": 16, "train-per-surface": 1, "test-per-defect": 1, "surfaces": "wood", "defects": "hole" }""");
        var r = CliHarness.Run("synth-data", "--config", config, "-o", Path.Combine(dir, "from-args"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(Directory.Exists(Path.Combine(dir, "from-args", "wood")));
        Assert.False(Directory.Exists(Path.Combine(dir, "from-config")));
    }

    [Theory]
    [InlineData("""{ "stepz": 3 }""", "'stepz' is not an option of 'bench'")]
    [InlineData("""{ "runs": "many" }""", "'runs' must be an integer, got \"many\"")]
    [InlineData("""{ "runs": 2.5 }""", "'runs' must be an integer, got 2.5")]
    [InlineData("""{ "json": "yes" }""", "'json' must be true or false")]
    [InlineData("""{ "batch": [1, 2] }""", "'batch' must be a single value")]
    [InlineData("""[1, 2]""", "must hold one JSON object")]
    [InlineData("""{ "runs": """, "is not valid JSON")]
    public void Bad_config_files_exit_2_naming_the_key(string json, string expected)
    {
        string config = Path.Combine(CliHarness.TempFolder(), "bad.json");
        File.WriteAllText(config, json);
        var r = CliHarness.Run("bench", "--graph", CliHarness.Fixture("dynamic_batch.onnx"), "--config", config);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
    }

    [Fact]
    public void Missing_config_file_exits_2()
    {
        var r = CliHarness.Run("info", "--config", "/nonexistent/options.json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("does not exist", r.Stderr);
    }

    [Fact]
    public void Config_file_can_turn_on_json()
    {
        string config = Path.Combine(CliHarness.TempFolder(), "info.json");
        File.WriteAllText(config, """{ "json": true }""");
        var r = CliHarness.Run("info", "--config", config);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("1.31.1", (string)r.Json["native"]!["onnxRuntimeVersion"]!);
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "AnomalyEngine.sln")))
                return d.FullName;
        throw new InvalidOperationException("AnomalyEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
