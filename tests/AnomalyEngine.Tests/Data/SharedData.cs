namespace AnomalyEngine.Tests.Data;

/// <summary>Finds the real datasets in ../shared/data beside the repository root (the folder holding AnomalyEngine.sln).</summary>
internal static class SharedData
{
    public static readonly string? Root = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AnomalyEngine.sln")))
            {
                string data = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                return Directory.Exists(data) ? data : null;
            }
        return null;
    }

    /// <summary>The category folder of a shared dataset, e.g. Category("hazelnut_toy", "hazelnut").</summary>
    public static string Category(string set, string category) => Path.Combine(Root!, set, category);
}

/// <summary>A fact that is reported as skipped (not passed) when ../shared/data is absent.</summary>
internal sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (SharedData.Root is null)
            Skip = "../shared/data is absent: the real-data tests need it beside the repository root";
    }
}

/// <summary>A theory that is reported as skipped when ../shared/data is absent.</summary>
internal sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Root is null)
            Skip = "../shared/data is absent: the real-data tests need it beside the repository root";
    }
}
