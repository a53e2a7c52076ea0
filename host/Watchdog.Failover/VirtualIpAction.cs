using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Watchdog.Failover.Kernel;
using Watchdog.Platform.Processes;

namespace Watchdog.Failover;

/// <summary>
/// The built-in virtual IP action: the address added and removed with one rtnetlink request
/// (Method netlink, the default) or with `ip address add/del VIP/PREFIX dev IF` (Method ip), and
/// announced with gratuitous ARP. Add and remove are idempotent: "already present" and
/// "already absent" are success, told by the kernel's errno (netlink) or checked with
/// `ip -o address show` (ip) rather than guessed from an error message. The gratuitous ARPs go
/// out through a packet socket of the agent's own (ArpMethod packet, the default) or with iputils
/// arping (ArpMethod arping).
/// </summary>
internal sealed class VirtualIpAction
{
    private static readonly IReadOnlyDictionary<string, string> CLocale =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["LC_ALL"] = "C" };

    private readonly VirtualIpOptions _options;
    private readonly IProcessRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IAddressRequests _addresses;
    private readonly object _repeatGate = new();
    private CancellationTokenSource? _repeatStop;
    private Task _repeats = Task.CompletedTask;

    public VirtualIpAction(VirtualIpOptions options, IProcessRunner runner, TimeProvider time, ILogger logger, IAddressRequests addresses)
    {
        _options = options;
        _addresses = addresses;
        _runner = runner;
        _time = time;
        _logger = logger;
    }

    public string Cidr => _options.Address + "/" + _options.PrefixLength.ToString(CultureInfo.InvariantCulture);

    public async Task<StepReport> AddAsync(CancellationToken ct)
    {
        string step = $"vip add {Cidr} dev {_options.Interface}";
        long started = _time.GetTimestamp();
        if (_options.UsesNetlink)
        {
            KernelOutcome r = _addresses.Add(_options.Netns, _options.Interface, IPAddress.Parse(_options.Address), _options.PrefixLength);
            return Log(r.Ok ? new StepReport(step, true, "added", _time.GetElapsedTime(started), "")
                : r.Errno == Libc.EEXIST ? new StepReport(step, true, "already present", _time.GetElapsedTime(started), "")
                : new StepReport(step, false, "netlink: " + r.Detail, _time.GetElapsedTime(started), ""));
        }

        ProcessOutcome add = await IpAsync(ct, "-4", "address", "add", Cidr, "dev", _options.Interface).ConfigureAwait(false);
        if (add.Succeeded)
        {
            return Log(new StepReport(step, true, "added", _time.GetElapsedTime(started), ""));
        }

        // Already there (a restarted agent re-granted the same role) is what we want.
        Presence present = await PresenceAsync(ct).ConfigureAwait(false);
        if (present == Presence.Present)
        {
            return Log(new StepReport(step, true, "already present", _time.GetElapsedTime(started), ""));
        }

        return Log(new StepReport(step, false, add.Describe(Timeout) + ": " + FirstLine(add.Stderr), _time.GetElapsedTime(started), HookSequence.JoinOutput(add)));
    }

    public async Task<StepReport> RemoveAsync(CancellationToken ct)
    {
        string step = $"vip del {Cidr} dev {_options.Interface}";
        long started = _time.GetTimestamp();
        if (_options.UsesNetlink)
        {
            // No such address, or no such interface: either way the address is not there.
            KernelOutcome r = _addresses.Remove(_options.Netns, _options.Interface, IPAddress.Parse(_options.Address), _options.PrefixLength);
            return Log(r.Ok ? new StepReport(step, true, "removed", _time.GetElapsedTime(started), "")
                : r.Errno is Libc.EADDRNOTAVAIL or Libc.ENODEV ? new StepReport(step, true, "already absent", _time.GetElapsedTime(started), "")
                : new StepReport(step, false, "netlink: " + r.Detail, _time.GetElapsedTime(started), ""));
        }

        ProcessOutcome del = await IpAsync(ct, "-4", "address", "del", Cidr, "dev", _options.Interface).ConfigureAwait(false);
        if (del.Succeeded)
        {
            return Log(new StepReport(step, true, "removed", _time.GetElapsedTime(started), ""));
        }

        Presence present = await PresenceAsync(ct).ConfigureAwait(false);
        if (present == Presence.Absent)
        {
            return Log(new StepReport(step, true, "already absent", _time.GetElapsedTime(started), ""));
        }

        string why = present == Presence.Present ? "the address is still on " + _options.Interface : "could not check whether it is gone";
        return Log(new StepReport(step, false, del.Describe(Timeout) + ": " + FirstLine(del.Stderr) + "; " + why, _time.GetElapsedTime(started), HookSequence.JoinOutput(del)));
    }

    /// <summary>Raised when a background announcement ended (ok or not); the executor forwards it.</summary>
    public event Action<StepReport>? Announced;

    /// <summary>
    /// Starts <paramref name="count"/> gratuitous ARP announcements, the first at once and the
    /// rest ArpIntervalMs apart, without waiting for the rest. From a packet socket the first goes
    /// out before this returns (a send, well under a millisecond). With arping all run on the
    /// thread pool: arping always lingers one second after its last packet (even with -w 0), and
    /// a promote must not be held up by that, nor by the process start. Results are logged and
    /// raised through Announced.
    /// </summary>
    public void StartAnnouncements(int count)
    {
        if (count <= 0)
        {
            return;
        }

        lock (_repeatGate)
        {
            var stop = new CancellationTokenSource();
            _repeatStop = stop;
            int first = 0;
            if (_options.UsesPacketArp)
            {
                // Completes synchronously: no process, no await on this path.
                _ = AnnounceOnceAsync(1, count, stop.Token);
                first = 1;
            }

            // On the thread pool: starting arping (fork and exec) costs milliseconds that the
            // promote's acknowledgement, and so the takeover, must not wait for.
            _repeats = first < count ? Task.Run(() => AnnounceSeriesAsync(first, count, stop.Token), CancellationToken.None) : Task.CompletedTask;
        }
    }

    /// <summary>Stops the announcements (terminating any arping still running) and waits for them, so none goes out after the address is removed.</summary>
    public async Task StopAnnouncementsAsync()
    {
        CancellationTokenSource? stop;
        Task repeats;
        lock (_repeatGate)
        {
            stop = _repeatStop;
            repeats = _repeats;
            _repeatStop = null;
            _repeats = Task.CompletedTask;
        }

        if (stop == null)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await repeats.ConfigureAwait(false);
        stop.Dispose();
    }

    private async Task AnnounceSeriesAsync(int first, int count, CancellationToken ct)
    {
        var running = new List<Task>();
        try
        {
            for (int i = first; i < count && !ct.IsCancellationRequested; i++)
            {
                if (i > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(_options.ArpIntervalMs), _time, ct).ConfigureAwait(false);
                }

                running.Add(AnnounceOnceAsync(i + 1, count, ct));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by a transition: expected.
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <summary>One gratuitous ARP: from a packet socket, or arping -U (or -A) -c 1 -I IF VIP.</summary>
    private async Task AnnounceOnceAsync(int n, int count, CancellationToken ct)
    {
        bool reply = _options.ArpMode == "answer";
        long started = _time.GetTimestamp();
        StepReport report;
        if (_options.UsesPacketArp)
        {
            KernelOutcome sent = _addresses.Announce(_options.Netns, _options.Interface, IPAddress.Parse(_options.Address), reply);
            string what = $"gratuitous arp {n}/{count} (ARP {(reply ? "reply" : "request")} for {_options.Address} on {_options.Interface})";
            report = Log(new StepReport(what, sent.Ok, sent.Ok ? "sent" : sent.Detail, _time.GetElapsedTime(started), ""));
        }
        else
        {
            string flag = reply ? "-A" : "-U";
            ProcessOutcome arp = await RunAsync(_options.ArpingCommand, ct, flag, "-c", "1", "-I", _options.Interface, _options.Address).ConfigureAwait(false);
            report = new StepReport($"gratuitous arp {n}/{count} ({_options.ArpingCommand} {flag} -I {_options.Interface} {_options.Address})", arp.Succeeded, arp.Describe(Timeout), _time.GetElapsedTime(started), HookSequence.JoinOutput(arp));
            if (arp.Cancelled)
            {
                _logger.LogDebug("{Step}: stopped by a role change", report.Step);
            }
            else
            {
                Log(report);
            }
        }

        try
        {
            Announced?.Invoke(report);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Announced handler failed");
        }
    }

    private enum Presence { Present, Absent, Unknown }

    private async Task<Presence> PresenceAsync(CancellationToken ct)
    {
        ProcessOutcome show = await IpAsync(ct, "-4", "-o", "address", "show", "dev", _options.Interface).ConfigureAwait(false);
        if (!show.Succeeded)
        {
            // No such interface: the address cannot be on it.
            return show.Stderr.Contains("does not exist", StringComparison.Ordinal) ? Presence.Absent : Presence.Unknown;
        }

        string needle = " inet " + _options.Address + "/";
        return show.Stdout.Contains(needle, StringComparison.Ordinal) ? Presence.Present : Presence.Absent;
    }

    private Task<ProcessOutcome> IpAsync(CancellationToken ct, params string[] args) => RunAsync(_options.IpCommand, ct, args);

    private TimeSpan Timeout => TimeSpan.FromMilliseconds(_options.CommandTimeoutMs);

    /// <summary>Runs a command, inside the configured network namespace when there is one.</summary>
    private Task<ProcessOutcome> RunAsync(string command, CancellationToken ct, params string[] args)
    {
        var argv = new List<string>();
        string file = command;
        if (_options.Netns.Length > 0)
        {
            file = _options.IpCommand;
            argv.Add("netns");
            argv.Add("exec");
            argv.Add(_options.Netns);
            argv.Add(command);
        }

        argv.AddRange(args);
        var request = new ProcessRequest(file, argv, CLocale, Timeout, TimeSpan.FromMilliseconds(500), 4096);
        _logger.LogDebug("Running {Command}", request.CommandLine);
        return _runner.RunAsync(request, ct);
    }

    private StepReport Log(StepReport report)
    {
        if (report.Ok)
        {
            _logger.LogInformation("{Step}: {Detail} in {Ms} ms", report.Step, report.Detail, (long)report.Took.TotalMilliseconds);
        }
        else
        {
            _logger.LogWarning("{Step} FAILED: {Detail} after {Ms} ms", report.Step, report.Detail, (long)report.Took.TotalMilliseconds);
        }

        return report;
    }

    private static string FirstLine(string text)
    {
        int nl = text.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? text : text[..nl];
    }
}
