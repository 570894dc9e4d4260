using System.Text.Json.Nodes;
using AnomalyEngine.Diffusion;

namespace AnomalyEngine.Tests.Diffusion;

public class ModelBundleTests
{
    [Fact]
    public void Opens_the_oracle_bundle_with_its_sizes_schedule_and_tensors()
    {
        var b = ModelBundle.Open(OracleBundle.Directory);
        Assert.Equal("oracle-gaussian-v1", b.Id);
        Assert.Equal(BundleSpace.Latent, b.Space);
        Assert.Equal((16, 3, 4, 8, 0.5f), (b.ImageSize, b.ImageChannels, b.LatentChannels, b.LatentSize, b.ScaleFactor));
        Assert.Equal((4, 8, 1), (b.Tokens, b.Width, b.PlaceholderSlot));
        Assert.Equal((1000, BetaSchedule.ScaledLinear, PredictionType.Epsilon), (b.TrainSteps, b.BetaSchedule, b.Prediction));
        Assert.Equal(32, b.Template.Length);
        Assert.All(b.Unconditional, v => Assert.Equal(0f, v));
        Assert.Equal(["<uncond>", "defect", "scratch"], b.VocabularyNames);
        // The script stores the initial embedding as vocabulary row 1 ("defect").
        Assert.Equal(b.InitialEmbedding, b.Vocabulary.AsSpan(8, 8).ToArray());
        Assert.True(b.HasAutoencoder && b.HasUnetGrad);
        Assert.EndsWith("unet.onnx", b.GraphPath("unet"));
        Assert.Null(b.PlanPath("unet"));
    }

    [Fact]
    public void Conditioning_replaces_only_the_placeholder_row_of_the_template()
    {
        var b = ModelBundle.Open(OracleBundle.Directory);
        var v = Enumerable.Range(0, 8).Select(i => 10f + i).ToArray();
        var c = b.Conditioning(v);
        for (int row = 0; row < 4; row++)
            for (int j = 0; j < 8; j++)
                Assert.Equal(row == 1 ? v[j] : b.Template[row * 8 + j], c[row * 8 + j]);
        Assert.Throws<InvalidInputException>(() => b.Conditioning(new float[7]));
    }

    [Theory]
    [InlineData("version", "format version 2")]
    [InlineData("schedule", "unknown schedule.beta_schedule 'quadratic'")]
    [InlineData("prediction", "unknown schedule.prediction 'sample'")]
    [InlineData("missing", "'unet.onnx' but")]
    [InlineData("tensor", "conditioning.template")]
    [InlineData("slot", "placeholder_slot 4")]
    [InlineData("noslot", "lacks the integer \"placeholder_slot\"")]
    [InlineData("pixel", "pixel-space")]
    public void Bad_manifests_raise_a_model_error_that_names_the_field(string breakage, string expected)
    {
        var dir = OracleBundle.CopyWith(m =>
        {
            switch (breakage)
            {
                case "version": m["version"] = 2; break;
                case "schedule": m["schedule"]!["beta_schedule"] = "quadratic"; break;
                case "prediction": m["schedule"]!["prediction"] = "sample"; break;
                case "slot": m["conditioning"]!["placeholder_slot"] = 4; break;
                case "noslot": m["conditioning"]!.AsObject().Remove("placeholder_slot"); break;
                case "pixel": m["space"] = "pixel"; break;
            }
        });
        if (breakage == "missing") File.Delete(Path.Combine(dir, "unet.onnx"));
        if (breakage == "tensor") File.WriteAllBytes(Path.Combine(dir, "template.f32"), new byte[12]);
        try
        {
            var e = Assert.Throws<ModelException>(() => ModelBundle.Open(dir));
            Assert.Contains(expected, e.Message);
            Assert.Equal(4, e.ExitCode);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_folder_without_a_manifest_is_a_model_error()
    {
        var e = Assert.Throws<ModelException>(() => ModelBundle.Open(Path.GetTempPath()));
        Assert.Contains("No manifest.json", e.Message);
    }

    [Fact]
    public void Graph_ports_that_disagree_with_the_manifest_are_reported_with_both_shapes()
    {
        var b = ModelBundle.Open(OracleBundle.Directory);
        GraphPort[] outputs = [new("noise", false, [-1, 4, 8, 8])];
        GraphPort[] goodInputs = [new("latent", false, [-1, 4, 8, 8]), new("timestep", true, [-1]), new("context", false, [-1, 4, 8])];
        b.CheckGraph("unet", goodInputs, outputs);

        GraphPort[] wrongWidth = [goodInputs[0], goodInputs[1], new("context", false, [-1, 4, 16])];
        var e = Assert.Throws<ModelException>(() => b.CheckGraph("unet", wrongWidth, outputs));
        Assert.Contains("[-1,4,16]", e.Message);
        Assert.Contains("context float32 [-1,4,8]", e.Message);

        GraphPort[] fixedBatch = [new("latent", false, [1, 4, 8, 8]), goodInputs[1], goodInputs[2]];
        Assert.Throws<ModelException>(() => b.CheckGraph("unet", fixedBatch, outputs));

        GraphPort[] floatTimestep = [goodInputs[0], new("timestep", false, [-1]), goodInputs[2]];
        Assert.Contains("int64", Assert.Throws<ModelException>(() => b.CheckGraph("unet", floatTimestep, outputs)).Message);

        GraphPort[] renamed = [goodInputs[0], goodInputs[1], new("encoder_hidden_states", false, [-1, 4, 8])];
        Assert.Contains("no input 'context'", Assert.Throws<ModelException>(() => b.CheckGraph("unet", renamed, outputs)).Message);
    }
}
