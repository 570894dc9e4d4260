using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Native;

public class GraphSessionTests
{
    [Fact]
    public void Elementwise_graph_computes_two_x_plus_one()
    {
        using var session = GraphSession.Open(Fixture.Elementwise);
        float[] x = [-1.5f, 0f, 0.25f, 3f, -7f, 100f];
        var y = new float[6];
        session.Run([HostTensor.Float("x", x, 2, 3)], [HostTensor.Float("y", y, 2, 3)]);
        for (int i = 0; i < x.Length; i++)
            Assert.Equal(2 * x[i] + 1, y[i]);
    }

    [Fact]
    public void Open_describes_inputs_and_outputs_with_dynamic_dimensions()
    {
        using var session = GraphSession.Open(Fixture.DynamicBatch);
        Assert.Equal(GraphBackend.OnnxRuntime, session.Backend);
        Assert.Equal(Path.GetFullPath(Fixture.DynamicBatch), session.Path);
        Assert.Equal(2, session.Inputs.Count);
        Assert.Equal("x", session.Inputs[0].Name);
        Assert.Equal(TensorElementType.Float32, session.Inputs[0].ElementType);
        Assert.Equal([-1L, 4L], session.Inputs[0].Shape);
        Assert.Equal("offset", session.Inputs[1].Name);
        Assert.Equal(TensorElementType.Int64, session.Inputs[1].ElementType);
        Assert.Equal(["y", "shape"], session.Outputs.Select(o => o.Name));
        Assert.Equal([-1L, 3L], session.Outputs[0].Shape);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    public void Dynamic_batch_runs_with_the_shape_of_each_call(int batch)
    {
        using var session = GraphSession.Open(Fixture.DynamicBatch);
        var x = new float[batch * 4];
        for (int i = 0; i < x.Length; i++)
            x[i] = 0.1f * i - 0.7f;
        long[] offset = [batch * 10L];
        var y = new float[batch * 3];
        var shape = new long[2];
        session.Run(
            [HostTensor.Float("x", x, batch, 4), HostTensor.Int64("offset", offset, 1)],
            [HostTensor.Float("y", y, batch, 3), HostTensor.Int64("shape", shape, 2)]);
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(Fixture.DynamicBatchExpected(x, r, j, offset[0]), y[r * 3 + j], 1e-4f);
        Assert.Equal([(long)batch, 4L], shape);
    }

    [Fact]
    public unsafe void Raw_bindings_run_on_unmanaged_memory_without_copying()
    {
        using var session = GraphSession.Open(Fixture.Elementwise);
        // 256-byte alignment is what TensorRT wants of device buffers; host memory here.
        float* x = (float*)NativeMemory.AlignedAlloc(6 * sizeof(float), 256);
        float* y = (float*)NativeMemory.AlignedAlloc(6 * sizeof(float), 256);
        try
        {
            for (int i = 0; i < 6; i++)
                x[i] = i * i - 3;
            session.Run(
                [new TensorBinding("x", TensorElementType.Float32, [2, 3], (nint)x, 24)],
                [new TensorBinding("y", TensorElementType.Float32, [2, 3], (nint)y, 24)]);
            for (int i = 0; i < 6; i++)
                Assert.Equal(2f * (i * i - 3) + 1, y[i]);
        }
        finally
        {
            NativeMemory.AlignedFree(x);
            NativeMemory.AlignedFree(y);
        }
    }

    [Fact]
    public void A_subset_of_outputs_can_be_bound()
    {
        using var session = GraphSession.Open(Fixture.DynamicBatch);
        var shape = new long[2];
        session.Run([HostTensor.Float("x", new float[8], 2, 4), HostTensor.Int64("offset", [0], 1)], [HostTensor.Int64("shape", shape, 2)]);
        Assert.Equal([2L, 4L], shape);
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "wrong name", "unknown input 'X'" },
        { "wrong dtype", "'x' is int64" },
        { "wrong shape", "'x' has shape [3,2]" },
        { "wrong rank", "'x' has shape [6]" },
        { "short buffer", "'x' of shape [2,3] needs 24 bytes" },
        { "missing input", "input 'x' is not bound" },
        { "wrong output shape", "'y' has shape [2,2]" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_bindings_throw_InvalidInputException_naming_graph_and_tensor(string what, string expected)
    {
        using var session = GraphSession.Open(Fixture.Elementwise);
        var y = new float[6];
        Array.Fill(y, -5f);
        HostTensor[] inputs = what switch
        {
            "wrong name" => [HostTensor.Float("X", new float[6], 2, 3)],
            "wrong dtype" => [HostTensor.Int64("x", new long[6], 2, 3)],
            "wrong shape" => [HostTensor.Float("x", new float[6], 3, 2)],
            "wrong rank" => [HostTensor.Float("x", new float[6], 6)],
            "short buffer" => [HostTensor.Float("x", new float[5], 2, 3)],
            "missing input" => [],
            _ => [HostTensor.Float("x", new float[6], 2, 3)],
        };
        HostTensor output = what == "wrong output shape" ? HostTensor.Float("y", new float[4], 2, 2) : HostTensor.Float("y", y, 2, 3);
        var e = Assert.Throws<InvalidInputException>(() => session.Run(inputs, [output]));
        Assert.Contains(expected, e.Message);
        Assert.Contains(session.Path, e.Message);
        Assert.Equal(3, e.ExitCode);
        Assert.All(y, v => Assert.Equal(-5f, v));
    }

    [Fact]
    public void Uninitialised_tensors_are_rejected_without_a_crash()
    {
        using var session = GraphSession.Open(Fixture.Elementwise);
        Assert.Throws<InvalidInputException>(() => session.Run([default(HostTensor)], [HostTensor.Float("y", new float[6], 2, 3)]));
        Assert.Throws<InvalidInputException>(() => session.Run([default(TensorBinding)], [default(TensorBinding)]));
        var e = Assert.Throws<InvalidInputException>(() => session.Run([new TensorBinding("x", TensorElementType.Float32, [2, 3], 0, 24)], [new TensorBinding("y", TensorElementType.Float32, [2, 3], 0, 24)]));
        Assert.Contains("null data", e.Message);
    }

    [Fact]
    public void Session_still_runs_after_a_rejected_call()
    {
        using var session = GraphSession.Open(Fixture.Elementwise);
        Assert.Throws<InvalidInputException>(() => session.Run([HostTensor.Float("x", new float[5], 5)], [HostTensor.Float("y", new float[6], 2, 3)]));
        var y = new float[6];
        session.Run([HostTensor.Float("x", [1, 2, 3, 4, 5, 6], 2, 3)], [HostTensor.Float("y", y, 2, 3)]);
        Assert.Equal([3f, 5f, 7f, 9f, 11f, 13f], y);
    }

    [Fact]
    public void Missing_graph_file_throws_ModelException_with_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-graph-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<ModelException>(() => GraphSession.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(4, e.ExitCode);
    }

    [Fact]
    public void Corrupt_graph_file_throws_ModelException_with_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, [0x08, 0xFF, 0xFF, 0x01, 0x42, 0x00, 0x13, 0x37]);
        try
        {
            var e = Assert.Throws<ModelException>(() => GraphSession.Open(path));
            Assert.Contains(path, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Empty_path_and_negative_threads_are_rejected_before_loading()
    {
        Assert.Throws<ModelException>(() => GraphSession.Open(" "));
        Assert.Throws<InvalidOptionException>(() => GraphSession.Open(Fixture.Elementwise, new GraphSessionOptions { Threads = -1 }));
    }

    [Fact]
    public void TensorRT_request_without_TensorRT_throws_DeviceUnavailableException()
    {
        if (NativeRuntime.Capabilities.TensorRT)
            return; // This machine's build has TensorRT: nothing unavailable to check.
        var e = Assert.Throws<DeviceUnavailableException>(() => GraphSession.Open(Fixture.Elementwise, new GraphSessionOptions { Backend = GraphBackend.TensorRT }));
        Assert.Contains("TensorRT", e.Message);
    }

    [Fact]
    public void Cuda_request_without_a_CUDA_provider_throws_DeviceUnavailableException()
    {
        if (NativeRuntime.Capabilities.OnnxRuntimeCuda)
            return; // This ONNX Runtime has the CUDA provider: nothing unavailable to check.
        var e = Assert.Throws<DeviceUnavailableException>(() => GraphSession.Open(Fixture.Elementwise, new GraphSessionOptions { Backend = GraphBackend.OnnxRuntime, UseCuda = true }));
        Assert.Contains("CUDA", e.Message);
        Assert.Equal(5, e.ExitCode);
    }

    [Fact]
    public void Use_after_dispose_throws_ObjectDisposedException()
    {
        var session = GraphSession.Open(Fixture.Elementwise);
        session.Dispose();
        session.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => session.Run([HostTensor.Float("x", new float[6], 2, 3)], [HostTensor.Float("y", new float[6], 2, 3)]));
    }

    [Fact]
    public void Dispose_releases_the_native_session()
    {
        var released = new List<nint>();
        Action<nint> record = p => { lock (released) released.Add(p); };
        var session = GraphSession.Open(Fixture.Elementwise);
        nint raw = session.NativeHandle;
        SessionHandle.Released += record;
        try
        {
            session.Dispose();
        }
        finally
        {
            SessionHandle.Released -= record;
        }
        lock (released)
            Assert.Contains(raw, released);
    }

    [Fact]
    public void Finalizer_releases_a_forgotten_session()
    {
        var released = new List<nint>();
        Action<nint> record = p => { lock (released) released.Add(p); };
        SessionHandle.Released += record;
        try
        {
            nint raw = OpenAndForget();
            for (int attempt = 0; attempt < 5; attempt++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                lock (released)
                    if (released.Contains(raw))
                        return;
            }
            Assert.Fail("the native session of an unreachable GraphSession was not released by the finalizer");
        }
        finally
        {
            SessionHandle.Released -= record;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint OpenAndForget() => GraphSession.Open(Fixture.Elementwise).NativeHandle;

    [Fact]
    public void Separate_sessions_run_concurrently_with_correct_results()
    {
        var options = new GraphSessionOptions { Threads = 1 };
        var sessions = Enumerable.Range(0, 4).Select(_ => GraphSession.Open(Fixture.DynamicBatch, options)).ToArray();
        try
        {
            Parallel.For(0, sessions.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
            {
                for (int it = 0; it < 50; it++)
                {
                    int batch = 1 + (k + it) % 4;
                    var x = Enumerable.Range(0, batch * 4).Select(i => (float)(k * 100 + it + i)).ToArray();
                    long[] offset = [it];
                    var y = new float[batch * 3];
                    sessions[k].Run([HostTensor.Float("x", x, batch, 4), HostTensor.Int64("offset", offset, 1)], [HostTensor.Float("y", y, batch, 3)]);
                    for (int r = 0; r < batch; r++)
                        for (int j = 0; j < 3; j++)
                            Assert.Equal(Fixture.DynamicBatchExpected(x, r, j, it), y[r * 3 + j], 1e-2f);
                }
            });
        }
        finally
        {
            foreach (var s in sessions)
                s.Dispose();
        }
    }

    [Fact]
    public void One_session_shared_by_several_threads_serialises_its_runs()
    {
        using var session = GraphSession.Open(Fixture.Elementwise, new GraphSessionOptions { Threads = 1 });
        Parallel.For(0, 4, k =>
        {
            for (int it = 0; it < 50; it++)
            {
                var x = Enumerable.Range(0, 6).Select(i => (float)(k * 1000 + it * 10 + i)).ToArray();
                var y = new float[6];
                session.Run([HostTensor.Float("x", x, 2, 3)], [HostTensor.Float("y", y, 2, 3)]);
                for (int i = 0; i < 6; i++)
                    Assert.Equal(2 * x[i] + 1, y[i]);
            }
        });
    }
}
