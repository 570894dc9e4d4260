namespace AnomalyEngine.Metrics;

/// <summary>8-connected components of a binary mask (the regions of MVTec's PRO), by flood fill.</summary>
internal static class RegionLabeler
{
    /// <summary>
    /// Writes 0 for normal pixels and 1..count for the region of each anomalous pixel (numbered
    /// in raster order of their first pixel); returns the pixel count of each region.
    /// </summary>
    public static List<int> Label(ReadOnlySpan<byte> mask, int width, int height, Span<int> labels)
    {
        labels.Clear();
        var sizes = new List<int>();
        var stack = new Stack<int>();
        for (int start = 0; start < width * height; start++)
        {
            if (mask[start] == 0 || labels[start] != 0) continue;
            int id = sizes.Count + 1, size = 0;
            labels[start] = id;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                size++;
                int x = p % width, y = p / width;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int ny = y + dy;
                    if ((uint)ny >= (uint)height) continue;
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int nx = x + dx;
                        if ((uint)nx >= (uint)width) continue;
                        int q = ny * width + nx;
                        if (mask[q] != 0 && labels[q] == 0)
                        {
                            labels[q] = id;
                            stack.Push(q);
                        }
                    }
                }
            }
            sizes.Add(size);
        }
        return sizes;
    }
}
