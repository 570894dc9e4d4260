using System.Text.Json.Nodes;
using AnomalyEngine.Cli;
using Spectre.Console.Cli;

namespace AnomalyEngine.Tests.Cli;

/// <summary>A verb registered only by the tests: throws a chosen error, or works through items with progress.</summary>
public sealed class ProbeCommand : Command<ProbeCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--throw <KIND>")]
        public string? Throw { get; init; }

        [CommandOption("--items <N>")]
        public int Items { get; init; }
    }

    /// <summary>Called after each item with its 1-based index (the test's hook for Ctrl-C).</summary>
    internal static Action<int>? AfterItem { get; set; }

    internal static int ItemsDone { get; private set; }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        switch (settings.Throw)
        {
            case "option": throw new InvalidOptionException("bad option");
            case "input": throw new InvalidInputException("bad input");
            case "model": throw new ModelException("bad model");
            case "device": throw new DeviceUnavailableException("no device");
            case "numeric": throw new NumericalException("NaN in the latent");
            case "internal": throw new InvalidOperationException("a bug");
        }
        ItemsDone = 0;
        StepProgress.Run("probe", settings.Items, "items", progress =>
        {
            for (int i = 1; i <= settings.Items; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ItemsDone = i;
                progress.Advance();
                AfterItem?.Invoke(i);
            }
            return 0;
        });
        Console.WriteLine("a message that must not reach stdout under --json");
        if (settings.Json)
            JsonOutput.Write(new JsonObject { ["items"] = ItemsDone });
        return 0;
    }
}
