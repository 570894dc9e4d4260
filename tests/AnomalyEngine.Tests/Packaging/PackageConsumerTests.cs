using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;

namespace AnomalyEngine.Tests.Packaging;

/// <summary>
/// Packs the library as built, then builds a fresh console app against the package from a local
/// feed (nuget.org as the second source; already-restored dependencies come from the machine's
/// package folder) and runs a graph through it: what a user of the package gets.
/// </summary>
public class PackageConsumerTests
{
    private const string Program = """
        using System.Globalization;
        using AnomalyEngine.Native;

        using var session = GraphSession.Open(args[0]);
        float[] x = [-1.5f, 0f, 0.25f, 3f, -7f, 100f];
        var y = new float[6];
        session.Run([HostTensor.Float("x", x, 2, 3)], [HostTensor.Float("y", y, 2, 3)]);
        Console.WriteLine(string.Join(" ", y.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        Console.WriteLine(NativeRuntime.Capabilities.OnnxRuntimeVersion);
        """;

    [Fact]
    [Trait("Category", "Packaging")]
    public void Package_carries_the_native_libraries_and_runs_a_graph_in_a_fresh_app()
    {
        string root = RepoRoot();
        // The configuration the tests were built in (bin/<config>/net10.0): the library was built alongside.
        string config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string work = Path.Combine(Path.GetTempPath(), "ae-package-" + Guid.NewGuid().ToString("N")[..10]);
        string feed = Path.Combine(work, "feed");
        string app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        // A version no machine has cached, so the restore below cannot pick up a stale copy.
        string version = "0.1.0-local." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        try
        {
            Dotnet(root, "pack", Path.Combine(root, "src", "AnomalyEngine", "AnomalyEngine.csproj"), "-c", config, "--no-build",
                "-o", feed, $"-p:PackageVersion={version}", "--nologo", "-v", "q");
            string package = Path.Combine(feed, $"AnomalyEngine.{version}.nupkg");
            using (var zip = ZipFile.OpenRead(package))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
                Assert.Contains("lib/net10.0/AnomalyEngine.dll", entries);
                Assert.Contains("runtimes/linux-x64/native/libaenative.so", entries);
                Assert.Contains("runtimes/linux-x64/native/libonnxruntime.so.1", entries);
            }

            File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="AnomalyEngine" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), Program);
            Dotnet(app, "restore", "--source", feed, "--source", "https://api.nuget.org/v3/index.json",
                "--packages", Path.Combine(work, "packages"), $"-p:RestoreFallbackFolders={GlobalPackages()}", "--nologo", "-v", "q");
            Dotnet(app, "build", "-c", "Release", "--no-restore", "--nologo", "-v", "q", "-o", Path.Combine(app, "out"));
            Assert.True(File.Exists(Path.Combine(app, "out", "runtimes", "linux-x64", "native", "libaenative.so")));

            string output = Dotnet(app, Path.Combine(app, "out", "app.dll"), Path.Combine(AppContext.BaseDirectory, "Fixtures", "elementwise.onnx"));
            var lines = output.Trim().Split('\n');
            float[] x = [-1.5f, 0f, 0.25f, 3f, -7f, 100f];
            Assert.Equal(x.Select(v => 2 * v + 1), lines[0].Split(' ').Select(s => float.Parse(s, CultureInfo.InvariantCulture)));
            Assert.Equal("1.31.1", lines[1].Trim());
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string Dotnet(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        // The test host's MSBuild variables would point a nested build at the wrong SDK parts.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), $"dotnet {string.Join(' ', args)} timed out");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
        return stdout;
    }

    private static string GlobalPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "AnomalyEngine.sln")))
                return d.FullName;
        throw new InvalidOperationException("AnomalyEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
