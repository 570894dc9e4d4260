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
        Partition(data, 0, length, shift: 64 - RadixBits, tasks);
        Parallel.ForEach(tasks, t => data.AsSpan(t.Start, t.Length).Sort());
    }

    /// <summary>Partitions [start, start+length) by the 16 bits at <paramref name="shift"/>, then queues or recurses into each bucket.</summary>
    private static void Partition(ulong[] data, int start, int length, int shift, List<(int, int)> tasks)
    {
        if (length <= SmallEnough || shift < 0)
        {
            if (length > 1) tasks.Add((start, length));
            return;
        }
        var counts = new int[Buckets];
        var span = data.AsSpan(start, length);
        foreach (ulong v in span) counts[(int)(v >> shift) & (Buckets - 1)]++;

        var heads = new int[Buckets];
        var ends = new int[Buckets];
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
        for (int b = 0, offset = 0; b < Buckets; b++)
        {
            Partition(data, start + offset, counts[b], shift - RadixBits, tasks);
            offset += counts[b];
        }
    }
}
