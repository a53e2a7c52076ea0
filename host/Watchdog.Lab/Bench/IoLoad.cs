using System.Diagnostics;

namespace Watchdog.Lab.Bench;

/// <summary>
/// Disk writers at the lowest priority (nice 19, so the idle-class share of the disk too):
/// each writes 16 MiB to a file of its own and fsyncs it, over and over, so the kernel is
/// flushing dirty pages and journaling for the whole soak. Beside <see cref="CpuLoad"/> this is
/// the soak's I/O load: a server doing backups or logging heavily while its heartbeat must keep time.
/// </summary>
internal sealed class IoLoad : IDisposable
{
    /// <summary>What each writer runs, with FILE replaced; said in the bench's output and docs.</summary>
    public const string Loop = "while :; do dd if=/dev/zero of=FILE bs=1M count=16 conv=fsync status=none; done";

    private readonly List<(Process Process, string File)> _writers = [];

    /// <summary>Starts <paramref name="count"/> writers with their files in <paramref name="directory"/> (a real disk, not tmpfs).</summary>
    public static IoLoad Start(int count, string directory)
    {
        var load = new IoLoad();
        for (var i = 0; i < count; i++)
        {
            var file = Path.Combine(directory, $"watchdog-io-load-{Environment.ProcessId}-{i}");
            var start = new ProcessStartInfo("nice", ["-n", "19", "sh", "-c", Loop.Replace("FILE", file, StringComparison.Ordinal)]) { RedirectStandardOutput = true };
            load._writers.Add((Process.Start(start)!, file));
        }

        return load;
    }

    public void Dispose()
    {
        foreach (var (p, file) in _writers)
        {
            if (!p.HasExited)
            {
                // The shell and its dd: killing the shell alone would leave the dd of the moment writing.
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }

            p.Dispose();
            File.Delete(file);
        }
    }
}
