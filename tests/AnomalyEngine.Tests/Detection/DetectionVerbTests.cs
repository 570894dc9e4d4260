using AnomalyEngine.Cli;
using AnomalyEngine.Imaging;
using Spectre.Console.Cli;

namespace AnomalyEngine.Tests.Detection;

public class DetectionVerbTests
{
    [Fact]
    public void Train_then_detect_writes_a_bundle_maps_and_one_score_per_image()
    {
        string root = Path.Combine(Path.GetTempPath(), $"ae-detect-cli-{Guid.NewGuid():N}");
        try
        {
            string normals = Path.Combine(root, "good"), test = Path.Combine(root, "test");
            for (int k = 0; k < 3; k++)
            {
                var img = PatchCoreTests.Stripes(40, 24, k); // resized to 32x32 by the verbs
                ImageCodec.WriteImage(Path.Combine(normals, $"{k}.png"), img);
                if (k < 2) ImageCodec.WriteImage(Path.Combine(test, $"t{k}.png"), img);
            }
            var app = new CommandApp();
            app.Configure(c => { c.PropagateExceptions(); Verbs.Register(c); });
            string bundle = Path.Combine(root, "bundle"), outDir = Path.Combine(root, "out");
            Assert.Equal(0, CliRunner.Run(app, ["train", "--detector", "patchcore", "--normals", normals, "--out", bundle, "--height", "32", "--width", "32", "--coreset", "0.5"]));
            Assert.True(File.Exists(Path.Combine(bundle, "bank.f32")));
            Assert.Equal(0, CliRunner.Run(app, ["detect", "--detector", bundle, "--images", test, "--out", outDir, "--height", "32", "--width", "32"]));
            var lines = File.ReadAllLines(Path.Combine(outDir, "scores.csv"));
            Assert.Equal(["path", "t0.png", "t1.png"], lines.Select(l => l.Split(',')[0]));
            Assert.All(lines.Skip(1), l => Assert.True(float.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture) >= 0));
            var map = ImageCodec.ReadImage(Path.Combine(outDir, "maps", "t0.png"), 1);
            Assert.Equal((40, 24), (map.Height, map.Width));

            Assert.Equal(2, CliRunner.Run(app, ["train", "--normals", normals, "--out", bundle, "--height", "30"]));
            Assert.Equal(2, CliRunner.Run(app, ["train", "--normals", normals, "--out", bundle, "--detector", "svm"]));
            Assert.Equal(4, CliRunner.Run(app, ["detect", "--detector", normals, "--images", test, "--out", outDir]));
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }
}
