using System.Runtime.InteropServices;

namespace AnomalyEngine.Detection.Backbone;

/// <summary>
/// Rewrites an ONNX model at the wire level (onnx/onnx.proto field numbers): the one input gets a
/// symbolic batch, height and width; the stored value_info (fixed intermediate shapes) is cleared;
/// the graph outputs become the given intermediate tensors; nodes and initializers not needed for
/// them are dropped; an IR version below 4 is raised to 4 (the CNTK export stores initializers
/// without listing them as inputs, which IR 3 forbids). Everything else is copied byte for byte.
/// </summary>
internal static class OnnxGraphRewriter
{
    // ModelProto.graph; GraphProto.{node, initializer, input, output, value_info}; NodeProto.{input, output};
    // TensorProto.{dims, data_type, float_data, name, raw_data}; ValueInfoProto.{name, type}.
    private const int ModelIrVersion = 1, ModelGraph = 7;
    private const int GraphNode = 1, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphValueInfo = 13;
    private const int NodeInput = 1, NodeOutput = 2;
    private const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorName = 8, TensorRawData = 9;
    private const int ValueInfoName = 1;
    private const int OnnxFloat = 1;

    /// <summary>One requested output: the tensor name and its channel count (dimension 1).</summary>
    internal readonly record struct Output(string Name, long Channels);

    internal static byte[] Rewrite(byte[] model, string inputName, long inputChannels, IReadOnlyList<Output> outputs)
    {
        var modelFields = ProtoWire.Parse(model);
        var graphField = modelFields.FirstOrDefault(f => f.Number == ModelGraph);
        if (graphField.Raw.IsEmpty)
            throw new ModelException("The ONNX file has no graph.");
        var graph = ProtoWire.Parse(graphField.Payload);

        var nodes = graph.Where(f => f.Number == GraphNode).Select(f => (Field: f, Io: NodeIo(f.Payload))).ToList();
        var producers = new HashSet<string>(nodes.SelectMany(n => n.Io.Outputs));
        foreach (var o in outputs)
            if (!producers.Contains(o.Name))
                throw new ModelException($"The ONNX graph has no tensor named '{o.Name}': is this the ResNet-18 of Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1?");
        if (!graph.Any(f => f.Number == GraphInput && ValueInfoNameOf(f.Payload) == inputName))
            throw new ModelException($"The ONNX graph has no input named '{inputName}'.");

        // Keep a node when one of its outputs is needed, walking from the requested outputs back
        // (ONNX nodes are stored in topological order).
        var needed = new HashSet<string>(outputs.Select(o => o.Name));
        var keep = new bool[nodes.Count];
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            if (!nodes[i].Io.Outputs.Any(needed.Contains))
                continue;
            keep[i] = true;
            foreach (var input in nodes[i].Io.Inputs)
                needed.Add(input);
        }

        using var graphOut = new MemoryStream();
        bool wroteIo = false;
        for (int i = 0, nodeIndex = 0; i < graph.Count; i++)
        {
            var f = graph[i];
            switch (f.Number)
            {
                case GraphNode:
                    if (keep[nodeIndex++])
                        graphOut.Write(f.Raw.Span);
                    break;
                case GraphInitializer:
                    if (needed.Contains(TensorNameOf(f.Payload)))
                        graphOut.Write(f.Raw.Span);
                    break;
                case GraphInput:
                    // In IR version 3 initializers may also be listed as inputs: keep the needed ones as they are.
                    string name = ValueInfoNameOf(f.Payload);
                    if (name == inputName)
                        ProtoWire.WriteMessage(graphOut, GraphInput, s => WriteValueInfo(s, inputName, ["batch", null, "height", "width"], [0, inputChannels, 0, 0]));
                    else if (needed.Contains(name))
                        graphOut.Write(f.Raw.Span);
                    break;
                case GraphOutput:
                    if (!wroteIo)
                    {
                        foreach (var o in outputs)
                            ProtoWire.WriteMessage(graphOut, GraphOutput, s => WriteValueInfo(s, o.Name, ["batch", null, null, null], [0, o.Channels, 0, 0]));
                        wroteIo = true;
                    }
                    break;
                case GraphValueInfo:
                    break;
                default:
                    graphOut.Write(f.Raw.Span);
                    break;
            }
        }
        if (!wroteIo)
            foreach (var o in outputs)
                ProtoWire.WriteMessage(graphOut, GraphOutput, s => WriteValueInfo(s, o.Name, ["batch", null, null, null], [0, o.Channels, 0, 0]));

        using var modelOut = new MemoryStream(model.Length);
        foreach (var f in modelFields)
        {
            if (f.Number == ModelGraph)
                ProtoWire.WriteBytes(modelOut, ModelGraph, graphOut.GetBuffer().AsSpan(0, (int)graphOut.Length));
            else if (f.Number == ModelIrVersion && f.WireType == ProtoWire.Varint && f.Value < 4)
                ProtoWire.WriteInt(modelOut, ModelIrVersion, 4); // IR 4: initializers need not be listed as inputs (the CNTK export lists none)
            else
                modelOut.Write(f.Raw.Span);
        }
        return modelOut.ToArray();
    }

    /// <summary>Reads a float initializer (raw_data or float_data) by name: its dims and values.</summary>
    internal static (long[] Dims, float[] Values) ReadFloatInitializer(byte[] model, string name)
    {
        var graphField = ProtoWire.Parse(model).FirstOrDefault(f => f.Number == ModelGraph);
        foreach (var f in ProtoWire.Parse(graphField.Payload))
        {
            if (f.Number != GraphInitializer || TensorNameOf(f.Payload) != name)
                continue;
            var dims = new List<long>();
            float[]? values = null;
            long dataType = 0;
            foreach (var t in ProtoWire.Parse(f.Payload))
            {
                switch (t.Number)
                {
                    case TensorDims when t.WireType == ProtoWire.Varint: dims.Add((long)t.Value); break;
                    case TensorDims: dims.AddRange(PackedVarints(t.Payload.Span)); break;
                    case TensorDataType: dataType = (long)t.Value; break;
                    case TensorRawData:
                    case TensorFloatData when t.WireType == ProtoWire.LengthDelimited:
                        values = MemoryMarshal.Cast<byte, float>(t.Payload.Span).ToArray();
                        break;
                }
            }
            if (dataType != OnnxFloat || values is null)
                throw new ModelException($"The initializer '{name}' is not a float tensor with packed data.");
            return (dims.ToArray(), values);
        }
        throw new ModelException($"The ONNX graph has no initializer named '{name}'.");
    }

    private static IEnumerable<long> PackedVarints(ReadOnlySpan<byte> span)
    {
        var list = new List<long>();
        int pos = 0;
        while (pos < span.Length)
        {
            ulong v = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = span[pos++];
                v |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) break;
            }
            list.Add((long)v);
        }
        return list;
    }

    private static (List<string> Inputs, List<string> Outputs) NodeIo(ReadOnlyMemory<byte> node)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        foreach (var f in ProtoWire.Parse(node))
        {
            if (f.Number == NodeInput) inputs.Add(f.AsString());
            else if (f.Number == NodeOutput) outputs.Add(f.AsString());
        }
        return (inputs, outputs);
    }

    private static string TensorNameOf(ReadOnlyMemory<byte> tensor) =>
        ProtoWire.Parse(tensor).FirstOrDefault(f => f.Number == TensorName).AsString();

    private static string ValueInfoNameOf(ReadOnlyMemory<byte> valueInfo) =>
        ProtoWire.Parse(valueInfo).FirstOrDefault(f => f.Number == ValueInfoName).AsString();

    /// <summary>A float ValueInfoProto; a dimension is symbolic when its name is given, fixed when its value is positive, else unknown.</summary>
    private static void WriteValueInfo(Stream s, string name, string?[] dimNames, long[] dimValues)
    {
        ProtoWire.WriteString(s, ValueInfoName, name);
        ProtoWire.WriteMessage(s, 2, type =>                       // ValueInfoProto.type
            ProtoWire.WriteMessage(type, 1, tensor =>              // TypeProto.tensor_type
            {
                ProtoWire.WriteInt(tensor, 1, OnnxFloat);          // Tensor.elem_type
                ProtoWire.WriteMessage(tensor, 2, shape =>         // Tensor.shape
                {
                    for (int d = 0; d < dimNames.Length; d++)
                        ProtoWire.WriteMessage(shape, 1, dim =>    // TensorShapeProto.dim
                        {
                            if (dimNames[d] is { } p) ProtoWire.WriteString(dim, 2, p);      // dim_param
                            else if (dimValues[d] > 0) ProtoWire.WriteInt(dim, 1, dimValues[d]); // dim_value
                        });
                });
            }));
    }
}
