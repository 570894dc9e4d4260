using System.Text.Json.Nodes;
using AnomalyEngine.Cli;
using Spectre.Console.Cli;

namespace AnomalyEngine.Tests.Cli;

/// <summary>CLI tests swap the process's console; they run one at a time.</summary>
[CollectionDefinition("Cli", DisableParallelization = true)]
public sealed class CliCollection;

/// <summary>The outcome of one in-process run of anomaly-engine.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout parsed as the single JSON object that --json promises (throws otherwise).</summary>
    public JsonObject Json => JsonNode.Parse(Stdout)!.AsObject();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs the app in this process, exactly as the anomaly-engine executable does, capturing its output.</summary>
internal static class CliHarness
{
    public static CliResult Run(params string[] args) => Run(null, default, args);

    public static CliResult Run(Action<IConfigurator>? register, CancellationToken cancel, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(args, stdout, stderr, cancel, register);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string TempFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ae-cli-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
}
