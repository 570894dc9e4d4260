namespace AnomalyEngine.Generation;

/// <summary>
/// Shard <c>Index</c> of <c>Count</c> (0-based, written "i/n" on the command line): a deterministic,
/// disjoint split of the work items by their stable key, so n processes together write exactly
/// what one run writes.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole run.</summary>
    public static Shard All => new(0, 1);

    /// <summary>Parses "i/n" with 0 &lt;= i &lt; n.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n >= 1 && i >= 0 && i < n)
            return new Shard(i, n);
        throw new InvalidOptionException($"--shard must be i/n with 0 <= i < n, e.g. 0/4 (got \"{text}\").");
    }

    /// <summary>True when the item with this stable key belongs to this shard.</summary>
    public bool Owns(ulong itemKey) => Count == 1 || (int)(itemKey % (ulong)Count) == Index;

    public override string ToString() => $"{Index}/{Count}";
}
