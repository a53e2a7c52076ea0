using System.Diagnostics;

namespace Watchdog.Build.NanoGate.Tests;

/// <summary>
/// The gate as a developer meets it: `dotnet build` of a project that imports
/// build/NanoSubset.targets fails when the sources leave the subset.
/// </summary>
public class DotnetBuildGateTests
{
    [Fact]
    public void Dotnet_build_fails_on_a_generic_method_and_on_a_missing_api_and_passes_clean_code()
    {
        var bad = Build("public static class Bad { public static T Echo<T>(T value) { return value; } }");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("NANO001", bad.Output, StringComparison.Ordinal);

        var missing = Build("public static class Bad { public static System.Text.StringBuilder Text; }");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("CS0234", missing.Output, StringComparison.Ordinal);

        var good = Build("public static class Good { public static int Twice(int v) { return v * 2; } }");
        Assert.True(good.ExitCode == 0, good.Output);
    }

    private static (int ExitCode, string Output) Build(string source)
    {
        // Under build/ so the probe inherits the repository's build settings and package versions.
        var dir = Path.Combine(NanoCompiler.RepoRoot, "build", "obj", "gate-probe-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "Probe.cs"), "namespace Probe { " + source + " }");
            File.WriteAllText(Path.Combine(dir, "Probe.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <Import Project="../../NanoSubset.targets" />
                  <ItemGroup><Compile Include="Probe.cs" /></ItemGroup>
                </Project>
                """);
            var start = new ProcessStartInfo("dotnet", ["build", "-nologo", "-v", "q", "-c", NanoCompiler.Metadata("Configuration")])
            {
                WorkingDirectory = dir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
