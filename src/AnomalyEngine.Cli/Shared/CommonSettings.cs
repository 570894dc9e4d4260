using System.ComponentModel;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>
/// Options every verb takes; a verb's settings derive from this class. <c>--config</c> is expanded
/// into ordinary options before parsing (see <see cref="ConfigFile"/>), so a verb never reads it.
/// </summary>
public abstract class CommonSettings : CommandSettings
{
    /// <summary>Print one JSON object on stdout and send everything else to stderr.</summary>
    [CommandOption("--json")]
    [Description("Print one JSON object on stdout (messages and progress go to stderr).")]
    public bool Json { get; init; }

    /// <summary>The JSON file the options were read from, if any.</summary>
    [CommandOption("--config <FILE>")]
    [Description("Read options from a JSON object keyed by long option names, e.g. {\"size\": 64}; options on the command line win.")]
    public string? Config { get; init; }
}
