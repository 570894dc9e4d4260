namespace AnomalyEngine.Synthesis;

/// <summary>Which split a generated sample belongs to; each split draws from its own random stream.</summary>
public enum SynthSplit
{
    /// <summary>Training images (normal only).</summary>
    Train,
    /// <summary>Test images (normal and defective).</summary>
    Test,
}
