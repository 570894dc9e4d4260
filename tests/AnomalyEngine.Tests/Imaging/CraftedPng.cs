using System.IO.Compression;

namespace AnomalyEngine.Tests.Imaging;

/// <summary>Builds PNG files byte by byte (signature, IHDR, IDAT, IEND with correct CRCs) to test what headers claim.</summary>
internal static class CraftedPng
{
    /// <summary>An 8-bit RGB PNG whose header claims width x height but whose IDAT holds only a few KB of zeros.</summary>
    public static byte[] ClaimingSize(int width, int height, int idatBytes = 4000)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        WriteBigEndian(ihdr, 0, (uint)width);
        WriteBigEndian(ihdr, 4, (uint)height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // colour type: RGB
        Chunk(ms, "IHDR", ihdr);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
                z.Write(new byte[idatBytes * 200]);
            Chunk(ms, "IDAT", raw.ToArray());
        }
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void WriteBigEndian(byte[] b, int at, uint v)
    {
        b[at] = (byte)(v >> 24); b[at + 1] = (byte)(v >> 16); b[at + 2] = (byte)(v >> 8); b[at + 3] = (byte)v;
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var head = new byte[8];
        WriteBigEndian(head, 0, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type, 0, 4, head, 4);
        s.Write(head);
        s.Write(data);
        // The CRC-32 of a PNG chunk covers the type and the data (PNG specification, section 5.3).
        var crc = new byte[4];
        WriteBigEndian(crc, 0, Crc32Of(head.AsSpan(4), data));
        s.Write(crc);
    }

    // CRC-32 with the reflected polynomial 0xEDB88320, as in the PNG specification's Annex D sample code.
    private static uint Crc32Of(ReadOnlySpan<byte> type, byte[] data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in type) c = Step(c, b);
        foreach (byte b in data) c = Step(c, b);
        return c ^ 0xFFFFFFFFu;
    }

    private static uint Step(uint c, byte b)
    {
        c ^= b;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }
}
