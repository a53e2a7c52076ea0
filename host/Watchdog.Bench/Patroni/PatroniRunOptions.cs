using Watchdog.Bench.Analysis;
using Watchdog.Bench.Results;
using Watchdog.Postgres;

namespace Watchdog.Bench.Patroni;

/// <summary>
/// One Patroni run's settings, times in ms. The windows follow the tuning: Patroni needs about a
/// ttl to notice a dead leader, so fixed windows would cut the defaults short or waste time on
/// the tuned setting.
/// </summary>
public sealed record PatroniRunOptions
{
    public required PatroniTuning Tuning { get; init; }

    public required PatroniFault Fault { get; init; }

    /// <summary>Writes flowing before the fault, before the phase jitter (default 2000).</summary>
    public double BaselineMs { get; init; } = 2000;

    /// <summary>
    /// Up to this much extra baseline, drawn per run; null: one loop_wait. Patroni's leader
    /// refreshes its key once a loop, so when in that loop the fault lands decides how much of
    /// the ttl is left: a fixed phase would make every run alike and hide that spread.
    /// </summary>
    public double? FaultPhaseJitterMs { get; init; }

    /// <summary>How long a hang or a link loss lasts after the replica became primary (default 3000): long enough for the client to move.</summary>
    public double HoldAfterTakeoverMs { get; init; } = 3000;

    /// <summary>The longest a hang or link loss lasts when no takeover comes; null: ttl + loop_wait + retry_timeout + 20 s.</summary>
    public double? MaxHoldMs { get; init; }

    /// <summary>Watched after the fault ended (or, for faults that last, after the takeover); null: loop_wait + retry_timeout + 5 s, so the resumed old primary gets a full cycle to demote itself.</summary>
    public double? SettleMs { get; init; }

    /// <summary>How long to wait for a takeover before giving up on it; null: 2 * ttl + loop_wait + 20 s.</summary>
    public double? TakeoverTimeoutMs { get; init; }

    /// <summary>The two-primaries probe's interval per node (default 50).</summary>
    public double ProbeIntervalMs { get; init; } = 50;

    /// <summary>For the cluster to come up (bootstrap, clone, streaming); default 180 s on a loaded machine.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(180);

    internal double JitterMs => FaultPhaseJitterMs ?? Tuning.LoopWaitSeconds * 1000.0;

    internal double HoldCapMs => MaxHoldMs ?? ((Tuning.TtlSeconds + Tuning.LoopWaitSeconds + Tuning.RetryTimeoutSeconds) * 1000.0) + 20_000;

    internal double SettleWindowMs => SettleMs ?? ((Tuning.LoopWaitSeconds + Tuning.RetryTimeoutSeconds) * 1000.0) + 5000;

    internal double TakeoverWaitMs => TakeoverTimeoutMs ?? (((2 * Tuning.TtlSeconds) + Tuning.LoopWaitSeconds) * 1000.0) + 20_000;

    internal void Validate()
    {
        Tuning.Validate();
        if (BaselineMs < 100 || JitterMs < 0 || HoldAfterTakeoverMs < 0 || HoldCapMs < 0 || SettleWindowMs < 500 || TakeoverWaitMs < 1000)
        {
            throw new ArgumentException($"need baseline >= 100 ms, jitter, holds >= 0, settle >= 500 ms and takeover wait >= 1000 ms; got baseline {BaselineMs}, jitter {JitterMs}, hold {HoldAfterTakeoverMs}/{HoldCapMs}, settle {SettleWindowMs}, takeover wait {TakeoverWaitMs}");
        }
    }
}

/// <summary>A finished run: the figures, and the raw series behind them.</summary>
/// <param name="Result">The row for reports.</param>
/// <param name="PrimaryBefore">The node that was primary when the fault hit.</param>
/// <param name="PrimaryAfter">The node that was primary at the end, or null when none (or both) said so.</param>
/// <param name="Writes">What the client writing through the cluster saw.</param>
/// <param name="Rpo">The client's log counted against the primary at the end; null without one.</param>
/// <param name="DirectWrites">The two-primaries probe's writes to each node.</param>
/// <param name="TwoPrimaries">When both nodes accepted writes after the fault.</param>
/// <param name="Events">Patroni's role changes, both nodes, in time order.</param>
/// <param name="FaultMs">When the fault was injected, on the run's clock.</param>
/// <param name="Logs">Every line each node's Patroni printed, stamped on the run's clock (the evidence behind a surprising row).</param>
public sealed record PatroniRun(
    BenchResult Result,
    string PrimaryBefore,
    string? PrimaryAfter,
    RpoLog Writes,
    RpoResult? Rpo,
    IReadOnlyList<DirectWrite> DirectWrites,
    IReadOnlyList<Interval> TwoPrimaries,
    IReadOnlyList<PatroniEvent> Events,
    double FaultMs,
    IReadOnlyDictionary<string, IReadOnlyList<Network.StampedLine>> Logs);
