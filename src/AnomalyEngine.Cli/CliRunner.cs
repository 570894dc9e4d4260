using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>
/// Runs the app: expands --config, routes output (with --json only the result goes to stdout),
/// wires Ctrl-C to the verbs' cancellation token, and maps every failure to a one-line error on
/// stderr and a documented exit code (docs/cli.md).
/// </summary>
internal static class CliRunner
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;
    /// <summary>Exit code for an unexpected internal error.</summary>
    public const int InternalError = 1;
    /// <summary>Exit code for a bad option (unknown, missing, malformed, or a bad --config file).</summary>
    public const int BadOption = 2;
    /// <summary>Exit code for a run stopped by Ctrl-C (between items, nothing half-written).</summary>
    public const int Interrupted = 130;

    // True once the current run's failure has been printed.
    private static bool _reported;

    private static readonly Lazy<Dictionary<string, Type>> VerbTypes = new(() => ConfigFile.VerbSettings(typeof(CliRunner).Assembly));

    /// <summary>The process entry point: real console, Ctrl-C handling.</summary>
    public static int RunConsole(string[] args)
    {
        using var stop = StopSignal.Listen(Console.Error);
        return Run(args, Console.Out, Console.Error, stop.Token);
    }

    /// <summary>
    /// Runs one command line in this process, writing to <paramref name="stdout"/> and
    /// <paramref name="stderr"/> (the console is restored afterwards). <paramref name="register"/>
    /// adds verbs beyond the shipped ones (tests).
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancel = default, Action<IConfigurator>? register = null)
    {
        var savedOut = Console.Out;
        var savedErr = Console.Error;
        var savedConsole = AnsiConsole.Console;
        var errors = stderr;
        bool json = args.Contains("--json");
        _reported = false;
        try
        {
            try
            {
                args = ConfigFile.Expand(args, verb => VerbTypes.Value.GetValueOrDefault(verb));
            }
            catch (AnomalyEngineException e)
            {
                return Fail(errors, stdout, json, e.Message, e.ExitCode);
            }
            json = args.Contains("--json");
            var messages = json ? stderr : stdout;
            Console.SetOut(messages);
            Console.SetError(stderr);
            var console = Create(messages);
            AnsiConsole.Console = console;
            JsonOutput.Stdout = stdout;
            JsonOutput.Active = json;
            JsonOutput.Written = false;

            var app = new CommandApp();
            app.Configure(config =>
            {
                config.SetApplicationName("anomaly-engine");
                config.ConfigureConsole(console);
                config.PropagateExceptions();
                config.UseStrictParsing();
                config.CancellationExitCode(Interrupted);
                Verbs.Register(config);
                register?.Invoke(config);
            });
            int code = Execute(app, args, cancel, errors, stdout, json);
            // Spectre itself answers a cancelled token with the cancellation exit code, without a message.
            if (code == Interrupted && cancel.IsCancellationRequested && !_reported)
                return Fail(errors, stdout, json, "interrupted: stopped between items; rerun with --resume to continue where it stopped.", Interrupted);
            return code;
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedErr);
            AnsiConsole.Console = savedConsole;
            JsonOutput.Stdout = savedOut;
            JsonOutput.Active = false;
            stdout.Flush();
            stderr.Flush();
        }
    }

    /// <summary>Runs an app configured by the caller, with the same error mapping (no --config, no output routing).</summary>
    public static int Run(CommandApp app, string[] args) => Execute(app, args, default, Console.Error, Console.Out, json: false);

    private static int Execute(CommandApp app, string[] args, CancellationToken cancel, TextWriter errors, TextWriter stdout, bool json)
    {
        try
        {
            return app.Run(args, cancel);
        }
        catch (AnomalyEngineException e)
        {
            return Fail(errors, stdout, json, e.Message, e.ExitCode);
        }
        catch (CommandParseException e)
        {
            return Fail(errors, stdout, json, e.Message, BadOption);
        }
        catch (CommandRuntimeException e)
        {
            return Fail(errors, stdout, json, e.Message, BadOption);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return Fail(errors, stdout, json, "interrupted: stopped between items; rerun with --resume to continue where it stopped.", Interrupted);
        }
        catch (Exception e)
        {
            return Fail(errors, stdout, json, $"internal error: {e.GetType().Name}: {e.Message}", InternalError);
        }
    }

    /// <summary>The one-line error on stderr; with --json also {"error", "exitCode"} on stdout unless a result was written.</summary>
    private static int Fail(TextWriter errors, TextWriter stdout, bool json, string message, int code)
    {
        _reported = true;
        string prefix = message.StartsWith("interrupted:", StringComparison.Ordinal) || message.StartsWith("internal error:", StringComparison.Ordinal) ? "" : "error: ";
        errors.WriteLine(prefix + message);
        errors.Flush();
        if (json && !JsonOutput.Written)
        {
            JsonOutput.Stdout = stdout;
            JsonOutput.Write(new JsonObject { ["error"] = message, ["exitCode"] = code });
        }
        return code;
    }

    private static IAnsiConsole Create(TextWriter writer) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
}
