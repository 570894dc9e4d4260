namespace AnomalyEngine.Native;

/// <summary>The smallest, typical and largest shape of one dynamic graph input, for building a TensorRT plan.</summary>
public sealed record ShapeProfile(string Name, long[] Min, long[] Opt, long[] Max);
