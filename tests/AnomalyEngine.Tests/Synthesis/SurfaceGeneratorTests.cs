using System.Security.Cryptography;
using AnomalyEngine.Synthesis;

namespace AnomalyEngine.Tests.Synthesis;

public class SurfaceGeneratorTests
{
    public static TheoryData<SurfaceKind, DefectKind> AllPairs()
    {
        var data = new TheoryData<SurfaceKind, DefectKind>();
        foreach (var s in Enum.GetValues<SurfaceKind>())
            foreach (var d in Enum.GetValues<DefectKind>())
                data.Add(s, d);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Defect_mask_is_non_empty_and_covers_exactly_the_changed_pixels(SurfaceKind surface, DefectKind defect)
    {
        for (int index = 0; index < 4; index++)
        {
            SurfaceSample sample = SurfaceGenerator.Generate(surface, defect, 64, 11, SynthSplit.Test, index);
            byte[] mask = sample.Mask.Data;
            int area = 0, changed = 0;
            for (int i = 0; i < mask.Length; i++)
            {
                bool differs = sample.Rgb[3 * i] != sample.Background[3 * i]
                    || sample.Rgb[3 * i + 1] != sample.Background[3 * i + 1]
                    || sample.Rgb[3 * i + 2] != sample.Background[3 * i + 2];
                Assert.True(mask[i] <= 1);
                if (mask[i] == 0)
                    Assert.False(differs, $"pixel {i} changed outside the mask ({surface}/{defect} #{index})");
                else
                {
                    area++;
                    if (differs) changed++;
                }
            }
            Assert.True(area >= 4, $"{surface}/{defect} #{index}: mask has {area} pixels");
            Assert.True(area < 0.35 * 64 * 64);
            // Almost every masked pixel must visibly differ; a few may round to the same bytes.
            Assert.True(changed >= 0.8 * area, $"{surface}/{defect} #{index}: only {changed} of {area} masked pixels changed");
        }
    }

    [Fact]
    public void Same_key_gives_the_same_bytes_and_a_different_index_or_seed_does_not()
    {
        var a = SurfaceGenerator.Generate(SurfaceKind.Fabric, DefectKind.Crack, 48, 5, SynthSplit.Test, 3);
        var b = SurfaceGenerator.Generate(SurfaceKind.Fabric, DefectKind.Crack, 48, 5, SynthSplit.Test, 3);
        Assert.Equal(a.Rgb, b.Rgb);
        Assert.Equal(a.Mask.Data, b.Mask.Data);
        Assert.NotEqual(a.Rgb, SurfaceGenerator.Generate(SurfaceKind.Fabric, DefectKind.Crack, 48, 5, SynthSplit.Test, 4).Rgb);
        Assert.NotEqual(a.Rgb, SurfaceGenerator.Generate(SurfaceKind.Fabric, DefectKind.Crack, 48, 6, SynthSplit.Test, 3).Rgb);
        Assert.NotEqual(
            SurfaceGenerator.Generate(SurfaceKind.Fabric, null, 48, 5, SynthSplit.Train, 3).Rgb,
            SurfaceGenerator.Generate(SurfaceKind.Fabric, null, 48, 5, SynthSplit.Test, 3).Rgb);
    }

    [Fact]
    public void Normal_sample_has_an_empty_mask()
    {
        var s = SurfaceGenerator.Generate(SurfaceKind.Wood, null, 32, 1, SynthSplit.Train, 0);
        Assert.Equal(0, s.Mask.Area());
        Assert.Equal(32 * 32 * 3, s.Rgb.Length);
    }

    [Theory]
    [InlineData(SurfaceKind.Wood)]
    [InlineData(SurfaceKind.BrushedMetal)]
    [InlineData(SurfaceKind.Fabric)]
    [InlineData(SurfaceKind.Tile)]
    [InlineData(SurfaceKind.Leather)]
    [InlineData(SurfaceKind.Concrete)]
    public void Surfaces_are_textured_not_flat(SurfaceKind surface)
    {
        // A photographed surface has texture and noise: the luminance spread of a flat fill would be 0.
        var s = SurfaceGenerator.Generate(surface, null, 64, 2, SynthSplit.Train, 0);
        int n = 64 * 64;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double l = 0.299 * s.Rgb[3 * i] + 0.587 * s.Rgb[3 * i + 1] + 0.114 * s.Rgb[3 * i + 2];
            sum += l; sumSq += l * l;
        }
        double sd = Math.Sqrt(sumSq / n - (sum / n) * (sum / n));
        Assert.InRange(sd, 3.0, 80.0);
        Assert.InRange(sum / n, 20.0, 235.0);
    }

    [Fact]
    public void Training_split_refuses_defects()
    {
        Assert.Throws<InvalidOptionException>(() => SurfaceGenerator.Generate(SurfaceKind.Tile, DefectKind.Hole, 64, 0, SynthSplit.Train, 0));
        Assert.Throws<InvalidOptionException>(() => SurfaceGenerator.Generate(SurfaceKind.Tile, null, 8, 0, SynthSplit.Train, 0));
    }

    [Fact]
    public void Names_parse_case_insensitively_and_unknown_names_are_refused()
    {
        Assert.Equal([SurfaceKind.BrushedMetal, SurfaceKind.Tile], SynthNames.ParseSurfaces("Brushed_Metal, tile"));
        Assert.Equal(Enum.GetValues<DefectKind>(), SynthNames.ParseDefects("all"));
        var e = Assert.Throws<InvalidOptionException>(() => SynthNames.ParseDefects("scratch,dent"));
        Assert.Contains("dent", e.Message);
    }
}
