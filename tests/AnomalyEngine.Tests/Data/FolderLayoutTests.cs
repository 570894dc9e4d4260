using AnomalyEngine.Data;
using AnomalyEngine.Imaging;
using AnomalyEngine.Synthesis;

namespace AnomalyEngine.Tests.Data;

public sealed class FolderLayoutTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ae-folder-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;

    private void Populate(int normals, int defects, bool maskSuffix)
    {
        string normal = Dir("normal"), bad = Dir("scratch"), masks = Dir("masks");
        for (int i = 0; i < normals; i++)
            ImageCodec.WriteImage(Path.Combine(normal, $"n{i:00}.png"), SurfaceGenerator.Generate(SurfaceKind.Wood, null, 24, 2, SynthSplit.Train, i).ToTensor());
        for (int i = 0; i < defects; i++)
        {
            var s = SurfaceGenerator.Generate(SurfaceKind.Wood, DefectKind.Scratch, 24, 2, SynthSplit.Test, i);
            ImageCodec.WriteImage(Path.Combine(bad, $"d{i}.png"), s.ToTensor());
            ImageCodec.WriteMask(Path.Combine(masks, maskSuffix ? $"d{i}_mask.png" : $"d{i}.png"), s.Mask);
        }
    }

    [Fact]
    public void Every_fifth_normal_image_in_name_order_is_held_out_for_test()
    {
        Populate(12, 2, maskSuffix: false);
        var ds = FolderLayout.Read(Path.Combine(root, "normal"), Path.Combine(root, "scratch"), Path.Combine(root, "masks"));
        // Indices 0, 5 and 10 of 12: ceil(12 / 5) = 3 held out.
        Assert.Equal(["n00", "n05", "n10"], ds.Test.Where(s => !s.IsAnomalous).Select(s => s.Name));
        Assert.Equal(9, ds.Train.Count());
        Assert.Equal(["scratch"], ds.DefectTypes);
        Assert.Empty(DatasetValidation.Check(ds).Errors);
    }

    [Fact]
    public void Masks_match_by_name_with_or_without_the_mask_suffix()
    {
        Populate(3, 2, maskSuffix: true);
        var ds = FolderLayout.Read(Path.Combine(root, "normal"), Path.Combine(root, "scratch"), Path.Combine(root, "masks"), testEvery: 0);
        Assert.Equal(Path.Combine(root, "masks", "d1_mask.png"), ds.Test.Single(s => s.Name == "d1").MaskPath);
        Assert.Equal(SurfaceGenerator.Generate(SurfaceKind.Wood, DefectKind.Scratch, 24, 2, SynthSplit.Test, 1).Mask.Data, ds.Test.Single(s => s.Name == "d1").ReadMask().Data);
        Assert.DoesNotContain(ds.Test, s => !s.IsAnomalous);
    }

    [Fact]
    public void Normal_test_folder_replaces_the_hold_out_and_a_missing_mask_is_reported()
    {
        Populate(4, 2, maskSuffix: false);
        string normalTest = Dir("normal_test");
        File.Copy(Path.Combine(root, "normal", "n00.png"), Path.Combine(normalTest, "t0.png"));
        File.Delete(Path.Combine(root, "masks", "d0.png"));
        var ds = FolderLayout.Read(Path.Combine(root, "normal"), Path.Combine(root, "scratch"), Path.Combine(root, "masks"), normalTest);
        Assert.Equal(4, ds.Train.Count());
        Assert.Equal("t0", ds.Test.Single(s => !s.IsAnomalous).Name);
        Assert.Contains("d0.png: no mask", Assert.Single(DatasetValidation.Check(ds).Errors));
        Assert.Throws<InvalidInputException>(() => ds.Test.Single(s => s.Name == "d0").ReadMask());
    }

    [Fact]
    public void Missing_folders_and_a_good_abnormal_folder_are_refused()
    {
        Populate(2, 0, false);
        Assert.Throws<InvalidInputException>(() => FolderLayout.Read(Path.Combine(root, "absent")));
        Dir("good");
        Assert.Throws<InvalidOptionException>(() => FolderLayout.Read(Path.Combine(root, "normal"), Path.Combine(root, "good")));
    }
}
