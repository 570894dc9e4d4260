using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>Every verb of the command line, registered in one place.</summary>
internal static class Verbs
{
    public static void Register(IConfigurator config)
    {
        // One line per verb: config.AddCommand<XCommand>("x").WithDescription(...).WithExample(...);
    }
}
