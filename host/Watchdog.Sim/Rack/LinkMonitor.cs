using System.Diagnostics;
using System.Text.RegularExpressions;
using Watchdog.Platform.Posix;

namespace Watchdog.Sim.Rack;

/// <summary>
/// Follows the carrier of a machine's interfaces as its kernel sees it, with <c>ip -o monitor link</c>
/// running in the machine's namespace: whatever takes a link down (a pulled cable at the bridge
/// port, a network fence, <c>ip link set eth0 down</c> typed inside the server, a power-off), the link
/// wire follows within a few ms. The monitor's own pid lives in that namespace and is excluded
/// from the server's processes (<see cref="Pid"/>).
/// </summary>
internal sealed partial class LinkMonitor : IDisposable
{
    private readonly string networkNamespace;
    private readonly IReadOnlyList<string> interfaces;
    private readonly Action<int, bool> onCarrier;
    private readonly Process process;
    private readonly bool[] carrier;
    private readonly Lock gate = new();
    private volatile bool disposed;

    private LinkMonitor(string networkNamespace, IReadOnlyList<string> interfaces, Action<int, bool> onCarrier, Process process)
    {
        this.networkNamespace = networkNamespace;
        this.interfaces = interfaces;
        this.onCarrier = onCarrier;
        this.process = process;
        carrier = new bool[interfaces.Count];
    }

    /// <summary>The monitor process, which lives in the watched namespace.</summary>
    public int Pid => process.Id;

    /// <summary>Starts watching; reports the current state of every interface first, then every change.</summary>
    public static LinkMonitor Start(string networkNamespace, IReadOnlyList<string> interfaces, Action<int, bool> onCarrier)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-n", networkNamespace, "-o", "monitor", "link" })
        {
            info.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = info };
        var monitor = new LinkMonitor(networkNamespace, interfaces, onCarrier, process);
        process.OutputDataReceived += (_, e) => monitor.OnLine(e.Data);
        process.ErrorDataReceived += (_, _) => { };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // The monitor only reports changes: read the present state once it is listening.
        string now = HostCommand.Ip("-n", networkNamespace, "-o", "link", "show");
        foreach (string line in now.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            monitor.OnLine(line);
        }

        return monitor;
    }

    /// <summary>The last carrier state seen for a link.</summary>
    public bool Carrier(int link)
    {
        lock (gate)
        {
            return carrier[link];
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            PosixSignals.Send(process.Id, PosixSignals.SigKill);
            process.WaitForExit(TimeSpan.FromSeconds(2));
        }

        process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null || disposed)
        {
            return;
        }

        Match m = LinkLine().Match(line);
        if (!m.Success || line.StartsWith("Deleted", StringComparison.Ordinal))
        {
            return;
        }

        int link = IndexOf(m.Groups["name"].Value);
        if (link < 0)
        {
            return;
        }

        string[] flags = m.Groups["flags"].Value.Split(',');
        bool up = flags.Contains("UP") && flags.Contains("LOWER_UP");
        bool changed;
        lock (gate)
        {
            changed = carrier[link] != up;
            carrier[link] = up;
        }

        if (changed)
        {
            onCarrier(link, up);
        }
    }

    private int IndexOf(string name)
    {
        for (int i = 0; i < interfaces.Count; i++)
        {
            if (interfaces[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    public override string ToString() => $"link monitor in {networkNamespace}";

    // "5: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..."
    [GeneratedRegex(@"^\d+:\s+(?<name>[^:@\s]+)(@\S+)?:\s+<(?<flags>[^>]*)>")]
    private static partial Regex LinkLine();
}
