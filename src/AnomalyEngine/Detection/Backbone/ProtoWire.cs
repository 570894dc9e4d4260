using System.Text;

namespace AnomalyEngine.Detection.Backbone;

/// <summary>
/// The protobuf wire format (protobuf.dev/programming-guides/encoding), just enough to rewrite an
/// ONNX model without generated classes: fields are walked as (number, wire type, raw bytes) and
/// copied through unchanged unless the caller replaces them.
/// </summary>
internal static class ProtoWire
{
    internal const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    /// <summary>One field of a message: its number, wire type, payload (for LEN) and the whole encoded field.</summary>
    internal readonly record struct Field(int Number, int WireType, ulong Value, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Raw)
    {
        public string AsString() => Encoding.UTF8.GetString(Payload.Span);
    }

    internal static List<Field> Parse(ReadOnlyMemory<byte> message)
    {
        var fields = new List<Field>();
        var span = message.Span;
        int pos = 0;
        while (pos < span.Length)
        {
            int start = pos;
            ulong tag = ReadVarint(span, ref pos);
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            ulong value = 0;
            ReadOnlyMemory<byte> payload = default;
            switch (wire)
            {
                case Varint: value = ReadVarint(span, ref pos); break;
                case Fixed64: Need(span, pos, 8); pos += 8; break;
                case Fixed32: Need(span, pos, 4); pos += 4; break;
                case LengthDelimited:
                    ulong len = ReadVarint(span, ref pos);
                    if (len > (ulong)(span.Length - pos))
                        throw new ModelException("The ONNX file is truncated or not a protobuf message: a field runs past the end.");
                    payload = message.Slice(pos, (int)len);
                    pos += (int)len;
                    break;
                default:
                    throw new ModelException($"The ONNX file is not a valid protobuf message (wire type {wire} at byte {start}).");
            }
            if (number == 0)
                throw new ModelException($"The ONNX file is not a valid protobuf message (field number 0 at byte {start}).");
            fields.Add(new Field(number, wire, value, payload, message.Slice(start, pos - start)));
        }
        return fields;
    }

    private static void Need(ReadOnlySpan<byte> span, int pos, int count)
    {
        if (pos + count > span.Length)
            throw new ModelException("The ONNX file is truncated: a fixed-size field runs past the end.");
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= span.Length)
                throw new ModelException("The ONNX file is truncated inside a varint.");
            byte b = span[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
        throw new ModelException("The ONNX file holds a varint longer than 10 bytes.");
    }

    internal static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }

    internal static void WriteTag(Stream s, int number, int wire) => WriteVarint(s, ((ulong)number << 3) | (uint)wire);

    internal static void WriteBytes(Stream s, int number, ReadOnlySpan<byte> payload)
    {
        WriteTag(s, number, LengthDelimited);
        WriteVarint(s, (ulong)payload.Length);
        s.Write(payload);
    }

    internal static void WriteString(Stream s, int number, string value) => WriteBytes(s, number, Encoding.UTF8.GetBytes(value));

    internal static void WriteInt(Stream s, int number, long value)
    {
        WriteTag(s, number, Varint);
        WriteVarint(s, unchecked((ulong)value));
    }

    /// <summary>Encodes a nested message built by <paramref name="build"/> as field <paramref name="number"/>.</summary>
    internal static void WriteMessage(Stream s, int number, Action<Stream> build)
    {
        using var inner = new MemoryStream();
        build(inner);
        WriteBytes(s, number, inner.GetBuffer().AsSpan(0, (int)inner.Length));
    }
}
