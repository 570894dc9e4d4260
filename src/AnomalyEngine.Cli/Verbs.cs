using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>Every verb of the command line, registered in one place.</summary>
internal static class Verbs
{
    public static void Register(IConfigurator config)
    {
        // One line per verb: config.AddCommand<XCommand>("x").WithDescription(...).WithExample(...);
        config.AddCommand<Commands.InfoCommand>("info").WithDescription("Show versions, compute devices and graph back ends (TensorRT, CUDA) of this machine.").WithExample("info", "--json");
    }
}
