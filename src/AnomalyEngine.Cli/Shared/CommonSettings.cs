using System.ComponentModel;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>
/// Options every verb takes; a verb's settings derive from this class. <c>--config</c> is expanded
/// into ordinary options and removed before parsing (see <see cref="ConfigFile"/>), so
/// <see cref="Config"/> is declared for the help text only and is always null in a verb.
/// </summary>
public abstract class CommonSettings : CommandSettings
{
    /// <summary>Print one JSON object on stdout and send everything else to stderr.</summary>
    [CommandOption("--json")]
    [Description("Print one JSON object on stdout (messages and progress go to stderr).")]
    public bool Json { get; init; }

    /// <summary>Shown in --help; consumed before parsing, so always null here.</summary>
    [CommandOption("--config <FILE>")]
    [Description("Read options from a JSON object keyed by long option names, e.g. {\"size\": 64}; options on the command line win.")]
    public string? Config { get; init; }
}
