namespace AnomalyEngine.Native;

/// <summary>One graph input or output: its name, element type and shape (-1 marks a dynamic dimension).</summary>
public sealed record TensorInfo(string Name, TensorElementType ElementType, long[] Shape)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name}: {ElementType.ToString().ToLowerInvariant()}[{string.Join(",", Shape)}]";
}
