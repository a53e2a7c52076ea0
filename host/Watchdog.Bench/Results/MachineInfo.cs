using System.Runtime.InteropServices;
using Watchdog.Bench.Network;

namespace Watchdog.Bench.Results;

/// <summary>The machine the numbers came from (they mean little without it).</summary>
public sealed record MachineInfo(int Cpus, string Kernel, string Os, string Runtime, string? KeepalivedVersion)
{
    public static MachineInfo Describe()
    {
        string kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription;
        string? keepalived = null;
        try
        {
            // keepalived --version prints to stderr.
            keepalived = FirstLine(HostCommand.RunWithStdErr("keepalived", "--version"));
        }
        catch (BenchSetupException)
        {
            keepalived = null;
        }

        return new MachineInfo(Environment.ProcessorCount, kernel, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, keepalived);
    }

    private static string? FirstLine(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? string.Empty;
        return line.Length == 0 ? null : line;
    }
}
