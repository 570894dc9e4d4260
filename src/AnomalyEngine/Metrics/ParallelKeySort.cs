namespace AnomalyEngine.Metrics;

/// <summary>
/// In-place ascending sort of 64-bit entries on all cores: an American-flag (in-place MSD radix)
/// partition on the top 16 bits, repeated on the next 16 bits for buckets that stay large,
/// then every bucket sorted independently in parallel. No second copy of the data.
/// </summary>
internal static class ParallelKeySort
{
    private const int RadixBits = 16;
    private const int Buckets = 1 << RadixBits;
    private const int SmallEnough = 1 << 16;

    public static void Sort(ulong[] data, int length)
    {
        var tasks = new List<(int Start, int Length)>();
        // One set of counting arrays per recursion level (the walk is depth-first and sequential).
        var scratch = new int[64 / RadixBits][][];
        Partition(data, 0, length, shift: 64 - RadixBits, tasks, scratch);
        Parallel.ForEach(tasks, t => data.AsSpan(t.Start, t.Length).Sort());
    }

    /// <summary>Partitions [start, start+length) by the 16 bits at <paramref name="shift"/>, then queues or recurses into each bucket.</summary>
    private static void Partition(ulong[] data, int start, int length, int shift, List<(int, int)> tasks, int[][][] scratch)
    {
        if (length <= SmallEnough || shift < 0)
        {
            if (length > 1) tasks.Add((start, length));
            return;
        }
        int level = (64 - RadixBits - shift) / RadixBits;
        var arrays = scratch[level] ??= [new int[Buckets], new int[Buckets], new int[Buckets]];
        var (counts, heads, ends) = (arrays[0], arrays[1], arrays[2]);
        Array.Clear(counts);
        var span = data.AsSpan(start, length);
        foreach (ulong v in span) counts[(int)(v >> shift) & (Buckets - 1)]++;
        int single = (int)(span[0] >> shift) & (Buckets - 1);
        if (counts[single] == length)
        {
            // Every entry shares these bits: nothing to move, go straight to the next 16.
            Partition(data, start, length, shift - RadixBits, tasks, scratch);
            return;
        }

        for (int b = 0, sum = 0; b < Buckets; b++)
        {
            heads[b] = sum;
            sum += counts[b];
            ends[b] = sum;
        }
        // American flag: take the element at each bucket's head and swap it into its own bucket until the head holds a member.
        for (int b = 0; b < Buckets; b++)
        {
            while (heads[b] < ends[b])
            {
                ulong v = span[heads[b]];
                int target = (int)(v >> shift) & (Buckets - 1);
                while (target != b)
                {
                    ulong displaced = span[heads[target]];
                    span[heads[target]++] = v;
                    v = displaced;
                    target = (int)(v >> shift) & (Buckets - 1);
                }
                span[heads[b]++] = v;
            }
        }
        // Recursion only goes deeper, so this level's ends[] stays intact while its buckets are visited.
        for (int b = 0, offset = 0; b < Buckets; b++)
        {
            int count = ends[b] - offset;
            if (count > 0) Partition(data, start + offset, count, shift - RadixBits, tasks, scratch);
            offset = ends[b];
        }
    }
}
