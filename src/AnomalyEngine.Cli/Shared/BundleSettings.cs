using System.ComponentModel;
using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>Options of the verbs that run a diffusion bundle: which bundle, which compute device, how many graph threads.</summary>
public abstract class BundleSettings : CommonSettings
{
    [CommandOption("--bundle <DIR>")]
    [Description("Diffusion bundle folder. Default: the embedded default bundle.")]
    public string? Bundle { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto | cpu | cuda, for the kernels between graph calls. Default auto.")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--threads <N>")]
    [Description("ONNX Runtime threads per graph. Default 0: all graphs share one pool of one thread per physical core.")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    /// <summary>The bundle, its graphs and the compute device these options name.</summary>
    internal (ModelBundle Bundle, BundleGraphs Graphs, ComputeDevice Device) Open()
    {
        var bundle = ModelBundle.Open(BundleLocation.Resolve(Bundle));
        var device = ComputeDevice.Create(BundleLocation.Device(Device));
        try
        {
            return (bundle, BundleGraphs.Open(bundle, new GraphSessionOptions { Threads = Threads }), device);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }
}
