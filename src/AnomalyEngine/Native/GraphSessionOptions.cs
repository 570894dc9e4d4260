namespace AnomalyEngine.Native;

/// <summary>How <see cref="GraphSession.Open"/> loads a graph.</summary>
public sealed record GraphSessionOptions
{
    /// <summary>The runtime; <see cref="GraphBackend.Auto"/> picks by file extension.</summary>
    public GraphBackend Backend { get; init; } = GraphBackend.Auto;

    /// <summary>Run on CUDA (bindings are then device pointers); fails when CUDA is not usable.</summary>
    public bool UseCuda { get; init; }

    /// <summary>CPU threads of this session's own pool; 0 shares one process-wide pool (one thread per physical core) with every other such session.</summary>
    public int Threads { get; init; }
}
