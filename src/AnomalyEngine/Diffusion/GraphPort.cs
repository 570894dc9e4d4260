namespace AnomalyEngine.Diffusion;

/// <summary>One input or output of a graph as the bundle contract sees it: a name, float32 or int64, a shape with -1 for dynamic.</summary>
internal readonly record struct GraphPort(string Name, bool IsInt64, long[] Shape)
{
    public override string ToString() => $"{Name} {(IsInt64 ? "int64" : "float32")} [{string.Join(",", Shape)}]";
}
