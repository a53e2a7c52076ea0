using System.Globalization;
using System.Net;
using Watchdog.Bench.Analysis;
using Watchdog.Bench.Network;
using Watchdog.Bench.Probe;
using Watchdog.Bench.Results;
using Watchdog.Bench.Timeline;
using Watchdog.Bench.Timing;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Keepalived;

/// <summary>
/// One keepalived run's settings, times in ms. With the defaults a run takes 13-15 s: ~1.5 s
/// to build namespaces and start services, up to ~3.7 s for keepalived 2.2.7 to become master
/// (it waits one master-down interval at start even with `state MASTER`), the baseline with
/// its phase jitter, and the window.
/// </summary>
public sealed record KeepalivedRunOptions
{
    public required KeepalivedTuning Tuning { get; init; }

    public required KeepalivedFault Fault { get; init; }

    /// <summary>Steady state watched before the fault, before the phase jitter (default 500).</summary>
    public double BaselineMs { get; init; } = 500;

    /// <summary>
    /// Up to this much extra baseline, drawn per run (default 1000, one defaults advert
    /// interval). Without it the fault would land at the same phase of the master's advert
    /// cycle in every run (setup is deterministic), and detection would look far steadier
    /// than it is: a fault just after an advert takes a whole interval longer to notice.
    /// </summary>
    public double FaultPhaseJitterMs { get; init; } = 1000;

    /// <summary>Observation window after the fault (default 8500); overlap is capped by it.</summary>
    public double ObserveMs { get; init; } = 8500;

    /// <summary>
    /// How long a freeze or a partition lasts before it ends (default 6000: longer than the
    /// defaults' ~3.6 s master-down interval, so both tunings get to take over before it ends).
    /// </summary>
    public double FaultHoldMs { get; init; } = 6000;

    public double ProbeIntervalMs { get; init; } = 20;

    public double ProbeTimeoutMs { get; init; } = 250;

    public double HolderIntervalMs { get; init; } = 20;

    public int Port { get; init; } = NodeNameService.DefaultPort;

    internal void Validate()
    {
        if (BaselineMs < 100 || ObserveMs < 500 || FaultHoldMs < 0 || FaultHoldMs > ObserveMs || FaultPhaseJitterMs < 0)
        {
            throw new ArgumentException($"need baseline >= 100 ms, window >= 500 ms, 0 <= hold <= window and jitter >= 0; got baseline {BaselineMs}, window {ObserveMs}, hold {FaultHoldMs}, jitter {FaultPhaseJitterMs}");
        }
    }
}

/// <summary>A finished run: the figures, the picture's data, and the raw series behind them.</summary>
public sealed record KeepalivedRun(
    BenchResult Result,
    RunTimeline Timeline,
    ProbeAnalysis Probe,
    IReadOnlyList<VrrpEvent> Events,
    IReadOnlyList<ProbeSample> Probes,
    IReadOnlyList<HolderSample> Holders);

/// <summary>
/// Runs keepalived in two fresh server namespaces (node-a master, node-b backup) with the
/// node-name service behind the VIP, an independent client probing the VIP every 20 ms from its
/// own namespace and a sampler of both nodes' addresses, injects one fault into the master and
/// measures what follows on one monotonic clock. Everything is torn down after the run.
/// </summary>
public static class KeepalivedScenario
{
    public const string NodeA = "node-a";
    public const string NodeB = "node-b";

    public static KeepalivedRun Run(KeepalivedRunOptions options, int runIndex, TextWriter? log = null)
    {
        options.Validate();
        var clock = new BenchClock();
        using BenchNetwork network = BenchNetwork.Create([NodeA, NodeB]);
        // keepalived's configuration and pid files, in a fresh private directory per run (root writes here).
        string work = PrivatePath.CreateTempDirectory("watchdog-bench-" + network.Tag + "-");
        var disposables = new List<IDisposable>();
        try
        {
            var serviceA = NodeNameService.Start(network.NamespaceOf(NodeA), NodeA, options.Port, clock);
            disposables.Add(serviceA);
            var serviceB = NodeNameService.Start(network.NamespaceOf(NodeB), NodeB, options.Port, clock);
            disposables.Add(serviceB);

            var keepalivedA = KeepalivedInstance.Start(NodeA, network.NamespaceOf(NodeA), options.Tuning.Render(NodeA, true, BenchNetwork.InterfaceName, network.Vip, BenchNetwork.PrefixLength), work, clock);
            disposables.Add(keepalivedA);
            var keepalivedB = KeepalivedInstance.Start(NodeB, network.NamespaceOf(NodeB), options.Tuning.Render(NodeB, false, BenchNetwork.InterfaceName, network.Vip, BenchNetwork.PrefixLength), work, clock);
            disposables.Add(keepalivedB);

            var holders = new VipHolderSampler(
                new Dictionary<string, string> { [NodeA] = network.NamespaceOf(NodeA), [NodeB] = network.NamespaceOf(NodeB) },
                BenchNetwork.InterfaceName, network.Vip, clock, options.HolderIntervalMs);
            disposables.Add(holders);
            var probe = new VipProbe(new VipProbeOptions
            {
                Target = new IPEndPoint(network.Vip, options.Port),
                ClientNamespace = network.ClientNamespace,
                IntervalMs = options.ProbeIntervalMs,
                TimeoutMs = options.ProbeTimeoutMs,
            }, clock);
            disposables.Add(probe);

            keepalivedA.WaitFor(VrrpEventKind.EnteredMaster, TimeSpan.FromSeconds(10));
            keepalivedB.WaitFor(VrrpEventKind.EnteredBackup, TimeSpan.FromSeconds(10));
            holders.Start();
            probe.Start();
            if (!probe.WaitForAnswerFrom(NodeA, 0, TimeSpan.FromSeconds(10)))
            {
                throw new BenchSetupException($"the client never got an answer from {NodeA} on {network.Vip}:{options.Port} within 10 s of it becoming master");
            }

            double baselineStart = clock.NowMs;
            // Seeded by the run, so a rerun of the same matrix injects at the same phases.
            var phase = new Random((runIndex * 7919) + (options.Fault.PhaseSeed * 131) + options.Tuning.VrrpVersion);
            clock.SleepUntil(baselineStart + options.BaselineMs + (phase.NextDouble() * options.FaultPhaseJitterMs));

            double faultMs = clock.NowMs;
            var master = new KeepalivedTarget(network, NodeA, keepalivedA, serviceA);
            string faultLabel = options.Fault.Inject(master);
            log?.WriteLine($"  {options.Tuning.Name} {options.Fault.Name} run {runIndex}: fault at {faultMs:0} ms ({faultLabel})");

            double? recoveryMs = null;
            string? recoveryLabel = null;
            if (options.Fault.Heal is { } heal)
            {
                clock.SleepUntil(faultMs + options.FaultHoldMs);
                recoveryMs = clock.NowMs;
                recoveryLabel = heal(master);
            }

            double endMs = faultMs + options.ObserveMs;
            clock.SleepUntil(endMs);
            IReadOnlyList<ProbeSample> probes = probe.Stop().Where(p => p.StartMs <= endMs).ToList();
            IReadOnlyList<HolderSample> holderSamples = holders.Stop().Where(h => h.AtMs <= endMs).ToList();
            var events = keepalivedA.Events().Concat(keepalivedB.Events()).OrderBy(e => e.AtMs).ToList();

            return Measure(options, runIndex, baselineStart, faultMs, faultLabel, recoveryMs, recoveryLabel, endMs, probes, holderSamples, events);
        }
        finally
        {
            foreach (IDisposable disposable in Enumerable.Reverse(disposables))
            {
                disposable.Dispose();
            }

            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static KeepalivedRun Measure(
        KeepalivedRunOptions options,
        int runIndex,
        double baselineStart,
        double faultMs,
        string faultLabel,
        double? recoveryMs,
        string? recoveryLabel,
        double endMs,
        IReadOnlyList<ProbeSample> probes,
        IReadOnlyList<HolderSample> holders,
        IReadOnlyList<VrrpEvent> events)
    {
        ProbeAnalysis analysis = ProbeSeriesAnalysis.Analyze(probes, faultMs, endMs);
        VrrpEvent? detection = events.FirstOrDefault(e => e.Node == NodeB && e.AtMs >= faultMs && e.Kind is VrrpEventKind.AdvertTimeout or VrrpEventKind.EnteredMaster);
        VrrpEvent? takeover = events.FirstOrDefault(e => e.Node == NodeB && e.AtMs >= faultMs && e.Kind == VrrpEventKind.EnteredMaster);
        IReadOnlyList<Interval> overlaps = Intervals.Overlap(holders, faultMs, endMs);
        double baselineOverlap = Intervals.OverlapMs(holders, baselineStart, faultMs);

        // Two holders that were there before the fault are not the fault's overlap: reported apart.
        var (charged, preExisting) = Intervals.SplitAtFault(Intervals.Overlap(holders, baselineStart, endMs), faultMs);
        double preExistingOverlap = preExisting.Sum(o => o.DurationMs);

        var notes = new List<string>();
        if (analysis.HolderBeforeFault != NodeA)
        {
            notes.Add($"before the fault the client was answered by {analysis.HolderBeforeFault ?? "nobody"}, not {NodeA}");
        }

        if (baselineOverlap > 0)
        {
            notes.Add($"two holders already before the fault for {baselineOverlap:0} ms");
        }

        if (preExistingOverlap > 0)
        {
            notes.Add($"two holders from before the fault lasted {preExistingOverlap:0} ms after it (not counted as overlap)");
        }

        if (analysis.RtoMs is null)
        {
            notes.Add($"the client never got an answer from another node within {options.ObserveMs:0} ms");
        }

        var result = new BenchResult(
            Scenario: options.Fault.Name,
            Peer: options.Tuning.Name,
            RunIndex: runIndex,
            DetectionMs: detection is null ? null : Math.Round(detection.AtMs - faultMs, 1),
            FenceMs: null,
            TakeoverMs: takeover is null ? null : Math.Round(takeover.AtMs - faultMs, 1),
            RtoMs: analysis.RtoMs is double rto ? Math.Round(rto, 1) : null,
            OverlapMs: Math.Round(charged.Sum(o => o.DurationMs), 1),
            Flaps: analysis.Flaps,
            FalseFences: null,
            OutageMs: Math.Round(analysis.OutageMs, 1),
            AnswerChanges: analysis.AnswerChanges,
            WindowMs: options.ObserveMs,
            Notes: notes.Count == 0 ? null : string.Join("; ", notes));

        var markers = new List<TimelineMarker> { new(faultMs, MarkerKind.Fault, faultLabel) };
        if (detection is not null)
        {
            markers.Add(new TimelineMarker(detection.AtMs, MarkerKind.Detection, "node-b detects"));
        }

        if (takeover is not null)
        {
            markers.Add(new TimelineMarker(takeover.AtMs, MarkerKind.Takeover, "node-b MASTER"));
        }

        if (analysis.FirstNewAnswerMs is double back)
        {
            markers.Add(new TimelineMarker(back, MarkerKind.ServiceBack, "VIP answers from new holder"));
        }

        if (recoveryMs is double recovered)
        {
            markers.Add(new TimelineMarker(recovered, MarkerKind.Recovery, recoveryLabel!));
        }

        double viewStart = Math.Max(baselineStart, faultMs - 1000);
        var lanes = new[] { NodeA, NodeB }.Select(node => new NodeLane(
            node,
            Roles(events, node, options.Fault, faultMs, endMs),
            Intervals.Holding(holders, node, endMs),
            Conditions(node, options.Fault, faultMs, recoveryMs, endMs))).ToList();
        string title = string.Create(CultureInfo.InvariantCulture, $"{options.Tuning.Name} (VRRPv{options.Tuning.VrrpVersion}, advert_int {options.Tuning.AdvertIntervalSeconds} s): {options.Fault.Name}, run {runIndex}");
        var timeline = new RunTimeline(title, viewStart, endMs, lanes, probes, overlaps, markers);
        return new KeepalivedRun(result, timeline, analysis, events, probes, holders);
    }

    private static IReadOnlyList<Interval> Roles(IReadOnlyList<VrrpEvent> events, string node, KeepalivedFault fault, double faultMs, double endMs)
    {
        var steps = events.Where(e => e.Node == node && e.Kind != VrrpEventKind.AdvertTimeout)
            .Select(e => (e.AtMs, (string?)(e.Kind switch
            {
                VrrpEventKind.EnteredMaster => "MASTER",
                VrrpEventKind.EnteredBackup => "BACKUP",
                _ => "FAULT",
            })))
            .ToList();
        if (node == NodeA && fault.KillsDaemon)
        {
            steps.Add((faultMs, null)); // a dead daemon has no role, whatever it last logged
        }

        return Intervals.FromSteps(steps, endMs, role => role);
    }

    private static IReadOnlyList<Interval> Conditions(string node, KeepalivedFault fault, double faultMs, double? recoveryMs, double endMs) =>
        node == NodeA || fault.OnBothNodes ? [new Interval(faultMs, recoveryMs ?? endMs, fault.Condition)] : [];
}
