using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using AnomalyEngine.Compute;
using ILGPU.Runtime.Cuda;

namespace AnomalyEngine.Native;

/// <summary>
/// A loaded graph (ONNX Runtime or TensorRT) that runs on caller-owned buffers bound by name.
/// Separate instances may run concurrently; one instance serialises its own runs with a lock.
/// </summary>
public sealed class GraphSession : IDisposable
{
    // Above these counts the per-call scratch moves from the stack to the heap.
    private const int StackTensors = 16;
    private const int StackDims = 128;

    private readonly SessionHandle _handle;
    private readonly Lock _gate = new();
    private readonly ComputeDevice? _device;
    // Native UTF-8 names, owned by the session and valid while it is open: binding by a known
    // name then costs a dictionary lookup instead of an encoding and an allocation.
    private readonly Dictionary<string, nint> _inputNames;
    private readonly Dictionary<string, nint> _outputNames;

    private GraphSession(string path, SessionHandle handle, ComputeDevice? device, bool onCuda)
    {
        Path = path;
        _handle = handle;
        _device = device;
        int status = AeNative.ae_session_backend(handle, out int backend);
        if (status != AeNative.Ok)
            throw AeNative.ToException(status, path);
        Backend = (GraphBackend)backend;
        OnCuda = onCuda || Backend == GraphBackend.TensorRT; // TensorRT always runs on CUDA
        status = AeNative.ae_session_io_count(handle, out int inputs, out int outputs);
        if (status != AeNative.Ok)
            throw AeNative.ToException(status, path);
        (Inputs, _inputNames) = Describe(inputs, input: true);
        (Outputs, _outputNames) = Describe(outputs, input: false);
    }

    /// <summary>The graph file, as a full path.</summary>
    public string Path { get; }

    /// <summary>The runtime executing the graph.</summary>
    public GraphBackend Backend { get; }

    /// <summary>True when the session runs on CUDA: bindings are then device pointers.</summary>
    public bool OnCuda { get; }

    /// <summary>The graph's inputs, in graph order.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The graph's outputs, in graph order.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>
    /// Opens a graph file. With a CUDA <paramref name="device"/>, the session runs on CUDA inside that
    /// device's context (so device buffers from ILGPU can be bound directly). Throws ModelException
    /// for a missing or corrupt file and DeviceUnavailableException for an unusable back end.
    /// </summary>
    public static unsafe GraphSession Open(string path, GraphSessionOptions? options = null, ComputeDevice? device = null)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ModelException("the graph path is empty: give the path of an .onnx or .plan file");
        options ??= new GraphSessionOptions();
        if (options.Threads < 0)
            throw new InvalidOptionException($"threads must be 0 (runtime default) or positive, not {options.Threads}");
        if (!Enum.IsDefined(options.Backend))
            throw new InvalidOptionException($"unknown graph back end {options.Backend}");
        NativeRuntime.EnsureLoaded();
        string full = System.IO.Path.GetFullPath(path);
        bool cuda = options.UseCuda || device?.IsCuda == true;
        var native = new AeNative.SessionOptions
        {
            StructSize = (uint)sizeof(AeNative.SessionOptions),
            Backend = (int)options.Backend,
            Device = cuda ? AeNative.DeviceCuda : AeNative.DeviceCpu,
            DeviceId = device?.Accelerator is CudaAccelerator accelerator ? accelerator.DeviceId : 0,
            Threads = options.Threads,
        };
        SessionHandle handle;
        int status;
        using (Bind(device))
            status = AeNative.ae_session_open(full, &native, out handle);
        if (status != AeNative.Ok)
        {
            handle.Dispose();
            throw AeNative.ToException(status, full);
        }
        try
        {
            return new GraphSession(full, handle, device, cuda);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the graph on managed arrays: every input bound once, outputs any non-empty subset, each
    /// with the concrete shape of this call. Outputs are written in place. A name, type, shape or size
    /// that does not fit the graph throws InvalidInputException naming the graph and the tensor.
    /// </summary>
    public unsafe void Run(ReadOnlySpan<HostTensor> inputs, ReadOnlySpan<HostTensor> outputs)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (OnCuda)
            throw new InvalidInputException($"graph '{Path}' runs on CUDA and reads device memory: bind device buffers with TensorBinding (ILGPU buffers: AsTensor) instead of managed arrays");
        int count = inputs.Length + outputs.Length;
        Span<GCHandle> pins = count <= StackTensors ? stackalloc GCHandle[StackTensors] : new GCHandle[count];
        int pinned = 0;
        try
        {
            var inline = default(BindingBuffer);
            Span<TensorBinding> bindings = count <= StackTensors ? ((Span<TensorBinding>)inline)[..count] : new TensorBinding[count];
            for (int i = 0; i < count; i++)
            {
                HostTensor t = i < inputs.Length ? inputs[i] : outputs[i - inputs.Length];
                if (t.Data is null)
                    throw new InvalidInputException($"graph '{Path}': tensor {i} is an uninitialised HostTensor");
                pins[pinned] = GCHandle.Alloc(t.Data, GCHandleType.Pinned);
                nint data = pins[pinned++].AddrOfPinnedObject();
                bindings[i] = new TensorBinding(t.Name, t.ElementType, t.Shape, data, Buffer.ByteLength(t.Data));
            }
            Run(bindings[..inputs.Length], bindings[inputs.Length..]);
        }
        finally
        {
            for (int i = 0; i < pinned; i++)
                pins[i].Free();
        }
    }

    /// <summary>
    /// Runs the graph on raw buffers without copying: host pointers for CPU sessions, CUDA device
    /// pointers for CUDA sessions. The call returns when the outputs are written.
    /// </summary>
    public unsafe void Run(ReadOnlySpan<TensorBinding> inputs, ReadOnlySpan<TensorBinding> outputs)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        int count = inputs.Length + outputs.Length;
        int dims = 0;
        for (int i = 0; i < count; i++)
        {
            long[]? shape = (i < inputs.Length ? inputs[i] : outputs[i - inputs.Length]).Shape;
            if (shape is null)
                throw new InvalidInputException($"graph '{Path}': tensor {i} is an uninitialised TensorBinding");
            dims += shape.Length;
        }
        Span<AeNative.Tensor> tensors = count <= StackTensors ? stackalloc AeNative.Tensor[StackTensors] : new AeNative.Tensor[count];
        Span<long> shapes = dims <= StackDims ? stackalloc long[StackDims] : new long[dims];
        List<nint>? temporaryNames = null;
        try
        {
            fixed (AeNative.Tensor* tensorPtr = tensors)
            fixed (long* shapePtr = shapes)
            {
                int offset = 0;
                for (int i = 0; i < count; i++)
                {
                    bool isInput = i < inputs.Length;
                    TensorBinding b = isInput ? inputs[i] : outputs[i - inputs.Length];
                    if (b.Shape.Length > AeNative.MaxRank)
                        throw new InvalidInputException($"graph '{Path}': tensor '{b.Name}' has rank {b.Shape.Length}; at most {AeNative.MaxRank} is supported");
                    if (b.ByteLength < 0)
                        throw new InvalidInputException($"graph '{Path}': tensor '{b.Name}' has a negative byte length");
                    b.Shape.CopyTo(shapes[offset..]);
                    tensorPtr[i] = new AeNative.Tensor
                    {
                        Name = (byte*)NamePointer(isInput ? _inputNames : _outputNames, b.Name, ref temporaryNames),
                        DType = (int)b.ElementType,
                        Rank = b.Shape.Length,
                        Shape = shapePtr + offset,
                        Data = (void*)b.Data,
                        ByteLength = (ulong)b.ByteLength,
                    };
                    offset += b.Shape.Length;
                }
                int status;
                lock (_gate)
                {
                    using (Bind(_device))
                        status = AeNative.ae_session_run(_handle, tensorPtr, inputs.Length, tensorPtr + inputs.Length, outputs.Length, Stream(_device));
                }
                if (status != AeNative.Ok)
                    throw AeNative.ToException(status, Path);
            }
        }
        finally
        {
            if (temporaryNames is not null)
                foreach (nint p in temporaryNames)
                    Marshal.FreeCoTaskMem(p);
        }
    }

    /// <summary>Closes the native session; later calls throw ObjectDisposedException.</summary>
    public void Dispose() => _handle.Dispose();

    internal nint NativeHandle => _handle.DangerousGetHandle();

    [InlineArray(StackTensors)]
    private struct BindingBuffer
    {
        private TensorBinding _first;
    }

    private static nint NamePointer(Dictionary<string, nint> known, string name, ref List<nint>? temporary)
    {
        if (known.TryGetValue(name, out nint p))
            return p;
        // An unknown name still goes to the shim, so that it reports it with the graph's names.
        p = Marshal.StringToCoTaskMemUTF8(name);
        (temporary ??= []).Add(p);
        return p;
    }

    // CUDA work must run in ILGPU's context so that TensorRT and ILGPU share device buffers.
    // Not exercised by the test suite, which runs without a GPU.
    private static ILGPU.Runtime.ScopedAcceleratorBinding Bind(ComputeDevice? device) =>
        device is { IsCuda: true } ? device.Accelerator.BindScoped() : default;

    private static nint Stream(ComputeDevice? device) =>
        device is { IsCuda: true } && device.Accelerator.DefaultStream is CudaStream stream ? stream.StreamPtr : 0;

    private unsafe (IReadOnlyList<TensorInfo>, Dictionary<string, nint>) Describe(int count, bool input)
    {
        var infos = new TensorInfo[count];
        var names = new Dictionary<string, nint>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            AeNative.TensorInfo info;
            int status = input ? AeNative.ae_session_input(_handle, i, &info) : AeNative.ae_session_output(_handle, i, &info);
            if (status != AeNative.Ok)
                throw AeNative.ToException(status, Path);
            string name = Marshal.PtrToStringUTF8((nint)info.Name) ?? "";
            var shape = new long[info.Rank];
            for (int d = 0; d < info.Rank; d++)
                shape[d] = info.Shape[d];
            var type = Enum.IsDefined((TensorElementType)info.DType) ? (TensorElementType)info.DType : TensorElementType.Unsupported;
            infos[i] = new TensorInfo(name, type, shape);
            names[name] = (nint)info.Name;
        }
        return (infos, names);
    }
}
