using System.Diagnostics;
using AnomalyEngine.Compute;
using AnomalyEngine.Imaging;
using AnomalyEngine.Synthesis;
using AnomalyEngine.Tests.Data;

namespace AnomalyEngine.Tests.Imaging;

/// <summary>Random, truncated and bit-flipped files: the reader either decodes or raises InvalidInputException, quickly and in bounded memory.</summary>
public sealed class ImageFuzzTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ae-fuzz-").FullName;
    private static readonly ImageLimits Limits = new() { MaxPixels = 4L << 20, AllocationLimitMegabytes = 64 };

    public void Dispose() => Directory.Delete(dir, true);

    private static IEnumerable<byte[]> Mutants(byte[] original, uint stream, int count)
    {
        for (int k = 0; k < count; k++)
        {
            ulong r = Philox.Bits64(99, stream, 0, (uint)k);
            byte[] b;
            switch (k % 3)
            {
                case 0:
                    b = original[..(int)(r % (ulong)original.Length)];
                    break;
                case 1:
                    b = (byte[])original.Clone();
                    for (int f = 0; f < 1 + (int)(r % 8); f++)
                    {
                        ulong q = Philox.Bits64(99, stream, 1 + (uint)f, (uint)k);
                        b[(int)(q % (ulong)b.Length)] ^= (byte)(1 << (int)(q >> 60 & 7));
                    }
                    break;
                default:
                    // The real header followed by random bytes.
                    b = (byte[])original.Clone();
                    for (int i = Math.Min(64, b.Length); i < b.Length; i++) b[i] = (byte)Philox.Bits64(99, stream, 2, (uint)(k * 100_000 + i));
                    break;
            }
            yield return b;
        }
    }

    private void Feed(string name, byte[] original, uint stream, int count)
    {
        string path = Path.Combine(dir, name);
        long worstMs = 0;
        foreach (byte[] mutant in Mutants(original, stream, count))
        {
            File.WriteAllBytes(path, mutant);
            var clock = Stopwatch.StartNew();
            try
            {
                ImageTensor t = ImageCodec.ReadImage(path, 3, PixelRange.ZeroToOne, Limits);
                Assert.True((long)t.Height * t.Width <= Limits.MaxPixels);
            }
            catch (InvalidInputException e)
            {
                Assert.Contains(name, e.Message);
            }
            worstMs = Math.Max(worstMs, clock.ElapsedMilliseconds);
        }
        Assert.True(worstMs < 3000, $"one decode took {worstMs} ms");
    }

    [Fact]
    public void Mutated_pngs_decode_or_raise_a_typed_error()
    {
        var s = SurfaceGenerator.Generate(SurfaceKind.Fabric, DefectKind.Hole, 48, 1, SynthSplit.Test, 0);
        Feed("fabric.png", ImageCodec.EncodePng8(s.Rgb, 48, 48, 3), 1, 60);
    }

    [Fact]
    public void Random_bytes_raise_a_typed_error()
    {
        string path = Path.Combine(dir, "noise.bin");
        for (uint k = 0; k < 20; k++)
        {
            var b = new byte[1 + (int)(Philox.Bits64(5, 0, 0, k) % 5000)];
            for (int i = 0; i < b.Length; i++) b[i] = (byte)Philox.Bits64(5, 1, k, (uint)i);
            File.WriteAllBytes(path, b);
            Assert.Throws<InvalidInputException>(() => ImageCodec.ReadImage(path, 3, PixelRange.ZeroToOne, Limits));
        }
    }

    [SharedDataFact]
    public void Mutated_real_jpegs_and_pngs_decode_or_raise_a_typed_error()
    {
        string hazel = SharedData.Category("hazelnut_toy", "hazelnut");
        Feed("hazel.jpg", File.ReadAllBytes(Path.Combine(hazel, "train", "good", "01.jpg")), 2, 45);
        Feed("hazel_mask.png", File.ReadAllBytes(Directory.GetFiles(Path.Combine(hazel, "ground_truth", "colour")).Order().First()), 3, 30);
        string tile = SharedData.Category("magnetic_tile", "magnetic_tile");
        Feed("tile.jpg", File.ReadAllBytes(Directory.GetFiles(Path.Combine(tile, "test", "crack")).Order().First()), 4, 30);
    }
}
