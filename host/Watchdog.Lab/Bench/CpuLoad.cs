using System.Diagnostics;

namespace Watchdog.Lab.Bench;

/// <summary>Busy processes (at the lowest priority) that make the scheduler late: heartbeat jitter from CPU load.</summary>
internal sealed class CpuLoad : IDisposable
{
    private readonly List<Process> _processes = [];

    public static CpuLoad Start(int count)
    {
        var load = new CpuLoad();
        for (var i = 0; i < count; i++)
        {
            var start = new ProcessStartInfo("nice", ["-n", "19", "sha256sum", "/dev/zero"]) { RedirectStandardOutput = true };
            load._processes.Add(Process.Start(start)!);
        }

        return load;
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit();
            }

            p.Dispose();
        }
    }
}
