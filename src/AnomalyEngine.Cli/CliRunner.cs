using Spectre.Console;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>Runs the app and maps every failure to a one-line error and a documented exit code.</summary>
internal static class CliRunner
{
    /// <summary>Exit code for an unexpected internal error.</summary>
    public const int InternalError = 1;
    /// <summary>Exit code for a run stopped by Ctrl-C (between items, nothing half-written).</summary>
    public const int Interrupted = 130;

    public static int Run(CommandApp app, string[] args)
    {
        try
        {
            return app.Run(args);
        }
        catch (AnomalyEngineException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return e.ExitCode;
        }
        catch (CommandParseException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        catch (CommandRuntimeException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]interrupted:[/] stopped between items; rerun with --resume to continue.");
            return Interrupted;
        }
        catch (Exception e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]internal error:[/] {e.GetType().Name}: {e.Message}");
            return InternalError;
        }
    }
}
