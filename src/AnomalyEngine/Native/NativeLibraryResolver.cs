using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AnomalyEngine.Native;

/// <summary>
/// Finds libaenative beside this assembly or in runtimes/&lt;rid&gt;/native (the NuGet layout),
/// falling back to the default search. Registered once, when the assembly loads; never throws.
/// </summary>
internal static class NativeLibraryResolver
{
#pragma warning disable CA2255 // The resolver must be in place before any P/Invoke of this assembly runs.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
        }
        catch (Exception)
        {
            // Another resolver is already registered for this assembly (a host did it): keep theirs.
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != AeNative.Library)
            return 0;
        try
        {
            foreach (var candidate in Candidates(assembly))
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out nint handle))
                    return handle;
        }
        catch (Exception)
        {
            // Fall through to the runtime's default search, which reports a clear DllNotFoundException.
        }
        return 0;
    }

    internal static IEnumerable<string> Candidates(Assembly assembly)
    {
        string file = OperatingSystem.IsWindows() ? "aenative.dll" : OperatingSystem.IsMacOS() ? "libaenative.dylib" : "libaenative.so";
        string rid = RuntimeInformation.RuntimeIdentifier;
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var folders = new List<string>();
        if (!string.IsNullOrEmpty(assembly.Location))
            folders.Add(Path.GetDirectoryName(assembly.Location)!);
        folders.Add(AppContext.BaseDirectory);
        foreach (var folder in folders.Distinct())
        {
            yield return Path.Combine(folder, file);
            yield return Path.Combine(folder, "runtimes", $"{os}-{arch}", "native", file);
            yield return Path.Combine(folder, "runtimes", rid, "native", file);
        }
    }
}
