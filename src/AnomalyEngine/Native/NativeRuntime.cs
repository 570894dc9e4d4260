using System.Runtime.InteropServices;

namespace AnomalyEngine.Native;

/// <summary>Facts about the loaded libaenative.</summary>
public static class NativeRuntime
{
    private static readonly Lazy<RuntimeCapabilities> Caps = new(Query);

    /// <summary>The ABI version of the loaded libaenative.</summary>
    public static int AbiVersion
    {
        get
        {
            EnsureLoaded();
            return AeNative.ae_abi_version();
        }
    }

    /// <summary>Which back ends are compiled in, whether CUDA is usable, and the runtime versions.</summary>
    public static RuntimeCapabilities Capabilities => Caps.Value;

    /// <summary>
    /// Builds a TensorRT plan from an ONNX graph (written atomically to <paramref name="planPath"/>);
    /// every dynamic input needs a profile. Throws DeviceUnavailableException without TensorRT.
    /// </summary>
    public static unsafe void BuildTensorRTPlan(string onnxPath, string planPath, IReadOnlyList<ShapeProfile> profiles, bool fp16 = false, int deviceId = 0)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        ArgumentNullException.ThrowIfNull(planPath);
        ArgumentNullException.ThrowIfNull(profiles);
        EnsureLoaded();
        var native = new AeNative.ShapeProfile[profiles.Count];
        var names = new nint[profiles.Count];
        try
        {
            for (int i = 0; i < profiles.Count; i++)
            {
                var p = profiles[i];
                int rank = p.Min.Length;
                if (rank > AeNative.MaxRank || p.Opt.Length != rank || p.Max.Length != rank)
                    throw new InvalidOptionException($"the profile of '{p.Name}' needs min, opt and max of one rank (at most {AeNative.MaxRank})");
                names[i] = Marshal.StringToCoTaskMemUTF8(p.Name);
                native[i].Name = (byte*)names[i];
                native[i].Rank = rank;
                for (int d = 0; d < rank; d++)
                {
                    native[i].Min[d] = p.Min[d];
                    native[i].Opt[d] = p.Opt[d];
                    native[i].Max[d] = p.Max[d];
                }
            }
            int status;
            fixed (AeNative.ShapeProfile* ptr = native)
                status = AeNative.ae_build_plan(Path.GetFullPath(onnxPath), Path.GetFullPath(planPath), ptr, native.Length, fp16 ? 1 : 0, deviceId);
            if (status != AeNative.Ok)
                throw AeNative.ToException(status, Path.GetFullPath(onnxPath));
        }
        finally
        {
            foreach (nint n in names)
                Marshal.FreeCoTaskMem(n);
        }
    }

    /// <summary>Loads libaenative and checks its ABI version; throws DeviceUnavailableException when it cannot.</summary>
    internal static void EnsureLoaded()
    {
        int version;
        try
        {
            version = AeNative.ae_abi_version();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new DeviceUnavailableException(
                $"the native runtime libaenative could not be loaded ({e.Message}); build it with ./build.sh or install the AnomalyEngine package for this platform", e);
        }
        if (version != AeNative.ExpectedAbiVersion)
            throw new DeviceUnavailableException(
                $"libaenative has ABI version {version} but this assembly needs {AeNative.ExpectedAbiVersion}: rebuild with ./build.sh so both come from the same source");
    }

    private static unsafe RuntimeCapabilities Query()
    {
        EnsureLoaded();
        AeNative.Capabilities caps = default;
        caps.StructSize = (uint)sizeof(AeNative.Capabilities);
        int status = AeNative.ae_get_capabilities(&caps);
        if (status != AeNative.Ok)
            throw AeNative.ToException(status, null);
        string ort = Marshal.PtrToStringUTF8((nint)caps.OnnxRuntimeVersion) ?? "";
        string trt = Marshal.PtrToStringUTF8((nint)caps.TensorRTVersion) ?? "";
        return new RuntimeCapabilities(
            AeNative.ae_abi_version(),
            caps.HasOnnxRuntime != 0,
            caps.HasTensorRT != 0,
            caps.OnnxRuntimeCuda != 0,
            caps.CudaDevices,
            ort,
            trt.Length > 0 ? trt : null);
    }
}
