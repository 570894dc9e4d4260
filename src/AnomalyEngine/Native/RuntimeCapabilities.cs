namespace AnomalyEngine.Native;

/// <summary>What the loaded libaenative can do on this machine.</summary>
/// <param name="AbiVersion">The native ABI version.</param>
/// <param name="OnnxRuntime">The ONNX Runtime back end is compiled in.</param>
/// <param name="TensorRT">The TensorRT back end is compiled in.</param>
/// <param name="OnnxRuntimeCuda">ONNX Runtime's CUDA execution provider is available.</param>
/// <param name="CudaDevices">CUDA devices visible to the TensorRT back end (0 without it).</param>
/// <param name="OnnxRuntimeVersion">The loaded ONNX Runtime's version.</param>
/// <param name="TensorRTVersion">TensorRT's version, or null when not compiled in.</param>
public sealed record RuntimeCapabilities(
    int AbiVersion,
    bool OnnxRuntime,
    bool TensorRT,
    bool OnnxRuntimeCuda,
    int CudaDevices,
    string OnnxRuntimeVersion,
    string? TensorRTVersion)
{
    /// <summary>True when some back end can run graphs on CUDA.</summary>
    public bool CudaUsable => OnnxRuntimeCuda || (TensorRT && CudaDevices > 0);
}
