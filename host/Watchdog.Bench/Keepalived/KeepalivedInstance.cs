using System.Globalization;
using Watchdog.Bench.Network;
using Watchdog.Bench.Timing;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Keepalived;

/// <summary>A state change keepalived reported in its log, stamped when the bench read the line.</summary>
public sealed record VrrpEvent(double AtMs, string Node, VrrpEventKind Kind, string Line);

public enum VrrpEventKind
{
    /// <summary>"Receive advertisement timeout": a backup (or a starting node) heard no master.</summary>
    AdvertTimeout,
    EnteredMaster,
    EnteredBackup,
    EnteredFault,
}

/// <summary>
/// Debian's keepalived (/usr/sbin/keepalived) running in one server namespace in the foreground:
/// `keepalived -n -l -D -G -P -f CONF -p PID -r VRRP_PID -c CHECKERS_PID` (no fork, log to the
/// console, detailed, no syslog, VRRP only; separate pid files per instance because two run on
/// one host). Its console log is read line by line and stamped on the bench clock, which gives
/// detection ("Receive advertisement timeout") and takeover ("Entering MASTER STATE") times.
/// </summary>
public sealed class KeepalivedInstance : IDisposable
{
    public const string Binary = "/usr/sbin/keepalived";

    private KeepalivedInstance(string node, NamespaceProcess process, string vrrpPidFile)
    {
        Node = node;
        Process = process;
        VrrpPidFile = vrrpPidFile;
    }

    public string Node { get; }

    /// <summary>The parent keepalived process (its pid is the parent's pid: ip netns exec execs it).</summary>
    public NamespaceProcess Process { get; }

    public string VrrpPidFile { get; }

    /// <summary>Starts keepalived for <paramref name="node"/> in <paramref name="ns"/> with the given configuration text.</summary>
    public static KeepalivedInstance Start(string node, string ns, string configText, string workDirectory, BenchClock clock)
    {
        if (!File.Exists(Binary))
        {
            throw new BenchSetupException($"{Binary} is missing: install Debian's keepalived package (apt-get install keepalived)");
        }

        Directory.CreateDirectory(workDirectory);
        string conf = Path.Combine(workDirectory, node + ".conf");
        File.WriteAllText(conf, configText);
        string pid = Path.Combine(workDirectory, node + ".pid");
        string vrrpPid = Path.Combine(workDirectory, node + "-vrrp.pid");
        string checkersPid = Path.Combine(workDirectory, node + "-checkers.pid");
        NamespaceProcess process = NamespaceProcess.Start(ns, clock, Binary, "-n", "-l", "-D", "-G", "-P", "-f", conf, "-p", pid, "-r", vrrpPid, "-c", checkersPid);
        return new KeepalivedInstance(node, process, vrrpPid);
    }

    /// <summary>The role changes and advert timeouts logged so far.</summary>
    public IReadOnlyList<VrrpEvent> Events() =>
        Process.Lines.Select(Parse).Where(e => e is not null).Select(e => e!).ToList();

    private VrrpEvent? Parse(StampedLine line)
    {
        VrrpEventKind? kind =
            line.Text.Contains("Receive advertisement timeout", StringComparison.Ordinal) ? VrrpEventKind.AdvertTimeout
            : line.Text.Contains("Entering MASTER STATE", StringComparison.Ordinal) ? VrrpEventKind.EnteredMaster
            : line.Text.Contains("Entering BACKUP STATE", StringComparison.Ordinal) ? VrrpEventKind.EnteredBackup
            : line.Text.Contains("Entering FAULT STATE", StringComparison.Ordinal) ? VrrpEventKind.EnteredFault
            : null;
        return kind is null ? null : new VrrpEvent(line.AtMs, Node, kind.Value, line.Text);
    }

    /// <summary>Waits until keepalived logged entering <paramref name="kind"/>.</summary>
    public void WaitFor(VrrpEventKind kind, TimeSpan timeout) =>
        Process.WaitForLine(kind switch
        {
            VrrpEventKind.EnteredMaster => "Entering MASTER STATE",
            VrrpEventKind.EnteredBackup => "Entering BACKUP STATE",
            VrrpEventKind.EnteredFault => "Entering FAULT STATE",
            _ => "Receive advertisement timeout",
        }, timeout);

    /// <summary>The parent and the VRRP child, child first (it is the one sending adverts).</summary>
    public IReadOnlyList<int> Pids()
    {
        var pids = new List<int>();
        if (File.Exists(VrrpPidFile) && int.TryParse(File.ReadAllText(VrrpPidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int child))
        {
            pids.Add(child);
        }

        pids.Add(Process.Pid);
        return pids;
    }

    /// <summary>SIGSTOP to the parent, then the VRRP child: nothing of keepalived runs after it, not even a handler.</summary>
    public void StopAllParentFirst()
    {
        foreach (int pid in Pids().Reverse())
        {
            PosixSignals.Send(pid, PosixSignals.SigStop);
        }
    }

    /// <summary>Signals the VRRP child and the parent (SIGKILL, SIGSTOP, SIGCONT ...).</summary>
    public void SignalAll(int signal)
    {
        foreach (int pid in Pids())
        {
            PosixSignals.Send(pid, signal);
        }
    }

    public void Dispose()
    {
        SignalAll(PosixSignals.SigCont);
        SignalAll(PosixSignals.SigKill);
        Process.Dispose();
    }
}
