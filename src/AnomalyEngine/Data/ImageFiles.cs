namespace AnomalyEngine.Data;

/// <summary>Lists image files in a folder the same way everywhere: known extensions, no hidden files, ordinal name order.</summary>
internal static class ImageFiles
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff" };

    public static bool IsImage(string path) =>
        Extensions.Contains(Path.GetExtension(path)) && !Path.GetFileName(path).StartsWith('.');

    public static List<string> List(string dir) =>
        Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir).Where(IsImage).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>Problems for files in one folder that share a name but not an extension (e.g. 01.png and 01.jpg): their masks would be ambiguous.</summary>
    public static IEnumerable<string> Duplicates(IEnumerable<string> files, string where) =>
        files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"{where}: {string.Join(" and ", g.Select(Path.GetFileName))} share the name '{g.Key}'; rename or remove all but one");
}
