using System.Runtime.InteropServices;

namespace AnomalyEngine.Native;

/// <summary>The C ABI of native/include/aenative.h, one declaration per function and struct.</summary>
internal static unsafe partial class AeNative
{
    internal const string Library = "aenative";

    /// <summary>The ABI version this assembly was written against (AE_ABI_VERSION).</summary>
    internal const int ExpectedAbiVersion = 1;

    internal const int MaxRank = 8;

    internal const int Ok = 0;
    internal const int ErrInvalidArgument = 1;
    internal const int ErrFileNotFound = 2;
    internal const int ErrInvalidModel = 3;
    internal const int ErrInvalidTensor = 4;
    internal const int ErrBackendUnavailable = 5;
    internal const int ErrRuntime = 6;

    internal const int DeviceCpu = 0;
    internal const int DeviceCuda = 1;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SessionOptions
    {
        public uint StructSize;
        public int Backend;
        public int Device;
        public int DeviceId;
        public int Threads;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct TensorInfo
    {
        public byte* Name;
        public int DType;
        public int Rank;
        public fixed long Shape[MaxRank];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Tensor
    {
        public byte* Name;
        public int DType;
        public int Rank;
        public long* Shape;
        public void* Data;
        public ulong ByteLength;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Capabilities
    {
        public uint StructSize;
        public int HasOnnxRuntime;
        public int HasTensorRT;
        public int OnnxRuntimeCuda;
        public int CudaDevices;
        public fixed byte OnnxRuntimeVersion[32];
        public fixed byte TensorRTVersion[32];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct ShapeProfile
    {
        public byte* Name;
        public int Rank;
        public fixed long Min[MaxRank];
        public fixed long Opt[MaxRank];
        public fixed long Max[MaxRank];
    }

    [LibraryImport(Library)]
    internal static partial int ae_abi_version();

    // A pointer, never a string: the shim owns this thread-local buffer and must not have it freed.
    [LibraryImport(Library)]
    internal static partial nint ae_last_error();

    [LibraryImport(Library)]
    internal static partial int ae_get_capabilities(Capabilities* caps);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ae_session_open(string path, SessionOptions* options, out SessionHandle session);

    [LibraryImport(Library)]
    internal static partial void ae_session_close(nint session);

    [LibraryImport(Library)]
    internal static partial int ae_session_backend(SessionHandle session, out int backend);

    [LibraryImport(Library)]
    internal static partial int ae_session_io_count(SessionHandle session, out int inputs, out int outputs);

    [LibraryImport(Library)]
    internal static partial int ae_session_input(SessionHandle session, int index, TensorInfo* info);

    [LibraryImport(Library)]
    internal static partial int ae_session_output(SessionHandle session, int index, TensorInfo* info);

    [LibraryImport(Library)]
    internal static partial int ae_session_run(SessionHandle session, Tensor* inputs, int inputCount, Tensor* outputs, int outputCount, nint cudaStream);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ae_build_plan(string onnxPath, string planPath, ShapeProfile* profiles, int profileCount, int fp16, int deviceId);

    /// <summary>The calling thread's last native error message.</summary>
    internal static string LastError() => Marshal.PtrToStringUTF8(ae_last_error()) ?? "unknown native error";

    /// <summary>The one place a native status becomes a typed exception.</summary>
    internal static Exception ToException(int status, string? graphPath)
    {
        string message = LastError();
        if (graphPath is not null && !message.Contains(graphPath, StringComparison.Ordinal))
            message = $"graph '{graphPath}': {message}";
        return status switch
        {
            ErrFileNotFound or ErrInvalidModel => new ModelException(message),
            ErrInvalidTensor or ErrInvalidArgument => new InvalidInputException(message),
            ErrBackendUnavailable => new DeviceUnavailableException(message),
            _ => new DeviceUnavailableException($"native runtime failure: {message}"),
        };
    }
}
