using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AnomalyEngine.Cli;

/// <summary>
/// The one place a verb writes its --json result. During a run with --json, <see cref="Console.Out"/>
/// and the Spectre console point at stderr, so this object is the only thing on stdout.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Format = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The process's real stdout for the current run (set by <see cref="CliRunner"/>).</summary>
    internal static TextWriter Stdout { get; set; } = Console.Out;

    /// <summary>True while a run with --json is in progress.</summary>
    internal static bool Active { get; set; }

    /// <summary>True once a JSON result has been written in the current run.</summary>
    internal static bool Written { get; set; }

    /// <summary>Writes <paramref name="result"/> as the run's JSON object on stdout.</summary>
    public static void Write(JsonNode result)
    {
        Stdout.WriteLine(result.ToJsonString(Format));
        Stdout.Flush();
        Written = true;
    }
}
