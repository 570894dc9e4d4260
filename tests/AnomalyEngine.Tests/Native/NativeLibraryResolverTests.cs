using AnomalyEngine.Native;

namespace AnomalyEngine.Tests.Native;

public class NativeLibraryResolverTests
{
    [Fact]
    public void Resolver_looks_beside_the_assembly_then_in_the_NuGet_runtimes_folder()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            return; // The names below are those of linux-x64.
        var assembly = typeof(GraphSession).Assembly;
        string dir = Path.GetDirectoryName(assembly.Location)!;
        var candidates = NativeLibraryResolver.Candidates(assembly).ToList();
        int beside = candidates.IndexOf(Path.Combine(dir, "libaenative.so"));
        int runtimes = candidates.IndexOf(Path.Combine(dir, "runtimes", "linux-x64", "native", "libaenative.so"));
        Assert.True(beside >= 0 && runtimes > beside, string.Join(Environment.NewLine, candidates));
    }

    [Fact]
    public void Registering_the_resolver_again_does_not_throw()
    {
        // The module initializer already registered it; a second registration is refused by the runtime.
        var e = Record.Exception(NativeLibraryResolver.Register);
        Assert.Null(e);
    }
}
