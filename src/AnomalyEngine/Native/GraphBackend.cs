namespace AnomalyEngine.Native;

/// <summary>The runtime that executes a graph.</summary>
public enum GraphBackend
{
    /// <summary>TensorRT for .plan/.engine files, ONNX Runtime otherwise.</summary>
    Auto = 0,
    /// <summary>ONNX Runtime (always available).</summary>
    OnnxRuntime = 1,
    /// <summary>TensorRT 10 (only where libaenative was built with it).</summary>
    TensorRT = 2,
}
