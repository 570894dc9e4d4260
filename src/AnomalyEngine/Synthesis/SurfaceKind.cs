namespace AnomalyEngine.Synthesis;

/// <summary>The procedural surface families; <see cref="SynthNames"/> gives their folder names.</summary>
public enum SurfaceKind
{
    /// <summary>Planed wood: growth rings, fine grain, warm browns.</summary>
    Wood,
    /// <summary>Brushed metal: fine streaks along one direction, grey, a specular band.</summary>
    BrushedMetal,
    /// <summary>Plain-woven fabric: interlaced warp and weft threads.</summary>
    Fabric,
    /// <summary>Ceramic tiles on a grout grid.</summary>
    Tile,
    /// <summary>Leather: a cellular grain of creases.</summary>
    Leather,
    /// <summary>Cast concrete: mottled grey with aggregate speckles and pores.</summary>
    Concrete,
}

/// <summary>The defect families; <see cref="SynthNames"/> gives their folder names.</summary>
public enum DefectKind
{
    /// <summary>A thin curved groove, brighter or darker than the surface.</summary>
    Scratch,
    /// <summary>A dark jagged fracture that may branch.</summary>
    Crack,
    /// <summary>A round pit or blowhole, dark inside with a shaded wall.</summary>
    Hole,
    /// <summary>A translucent coloured blob with a darker rim (liquid, oil, dye).</summary>
    Stain,
    /// <summary>A cluster of small foreign particles, dark or bright.</summary>
    Contamination,
    /// <summary>A fold or dent: a ridge that shades bright on one side and dark on the other.</summary>
    Crease,
    /// <summary>A torn-out piece showing the backing material.</summary>
    Missing,
}

/// <summary>The folder names of surfaces and defects in a generated dataset, and their parsing.</summary>
public static class SynthNames
{
    /// <summary>The folder name of a surface, e.g. "brushed_metal".</summary>
    public static string Of(SurfaceKind surface) => surface switch
    {
        SurfaceKind.Wood => "wood",
        SurfaceKind.BrushedMetal => "brushed_metal",
        SurfaceKind.Fabric => "fabric",
        SurfaceKind.Tile => "tile",
        SurfaceKind.Leather => "leather",
        SurfaceKind.Concrete => "concrete",
        _ => throw new ArgumentOutOfRangeException(nameof(surface)),
    };

    /// <summary>The folder name of a defect, e.g. "contamination".</summary>
    public static string Of(DefectKind defect) => defect.ToString().ToLowerInvariant();

    /// <summary>Parses a comma-separated list of surface names ("all" or empty means every surface).</summary>
    public static IReadOnlyList<SurfaceKind> ParseSurfaces(string? list) => Parse(list, Enum.GetValues<SurfaceKind>(), Of, "surface");

    /// <summary>Parses a comma-separated list of defect names ("all" or empty means every defect).</summary>
    public static IReadOnlyList<DefectKind> ParseDefects(string? list) => Parse(list, Enum.GetValues<DefectKind>(), Of, "defect");

    private static IReadOnlyList<T> Parse<T>(string? list, T[] all, Func<T, string> name, string what) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(list) || list.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
            return all;
        var result = new List<T>();
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            T? found = null;
            foreach (T v in all)
                if (name(v).Equals(part, StringComparison.OrdinalIgnoreCase)) found = v;
            if (found is null)
                throw new InvalidOptionException($"unknown {what} '{part}'; choose from {string.Join(", ", all.Select(name))}");
            if (!result.Contains(found.Value)) result.Add(found.Value);
        }
        return result;
    }
}
