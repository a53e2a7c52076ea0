using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Bench;

/// <summary>What `watchdogctl bench` was asked for; see its options for each.</summary>
public sealed record BenchSettings
{
    /// <summary>"all", or catalogue names (aliases accepted), board faults and pair wire faults (with Boards = 2), comma-separated (<see cref="BenchSchedule.Parse"/>).</summary>
    public string Scenario { get; init; } = "all";

    public int Runs { get; init; } = 5;

    public bool Json { get; init; }

    /// <summary>A peer system to run on the same faults (<see cref="PeerSystems"/>), or null.</summary>
    public string? Peer { get; init; }

    public bool Chaos { get; init; }

    public int Seed { get; init; } = 1;

    public TimeSpan? Soak { get; init; }

    public int HeartbeatMs { get; init; } = 50;

    /// <summary>The client probe's interval on every virtual IP, ours and the peer's (RackClusterOptions.ProbeIntervalMs).</summary>
    public double ProbeMs { get; init; } = RackClusterOptions.DefaultProbeIntervalMs;

    /// <summary>With --frontier: the heartbeat periods to measure (<see cref="FrontierRun.ParsePeriods"/>); null for the other modes.</summary>
    public IReadOnlyList<int>? Periods { get; init; }

    public string? OutDir { get; init; }

    public string? Agent { get; init; }

    /// <summary>A published board executable (NativeAOT) for the rack's board; null: the JIT build.</summary>
    public string? Board { get; init; }

    /// <summary>The group's network-failure policy, as the board's config words spell it.</summary>
    public string NetworkFailure { get; init; } = "demote";

    /// <summary>Mosquitto with the users and ACL of `watchdogctl broker config`; false: anonymous clients.</summary>
    public bool SecureBroker { get; init; } = true;

    /// <summary>1, or 2: a pair of boards (rack1 preferred, rack1-b); the board faults and the pair's wire faults need it.</summary>
    public int Boards { get; init; } = 1;

    /// <summary>What runs behind the virtual IP (RackClusterOptions.Service); Postgres adds the RPO figures.</summary>
    public RackService Service { get; init; } = RackService.Http;

    /// <summary>With PostgreSQL: synchronous or asynchronous replication.</summary>
    public Watchdog.Postgres.ReplicationMode PostgresMode { get; init; } = Watchdog.Postgres.ReplicationMode.Synchronous;

    /// <summary>The wake-up bench (<see cref="WakeupBench"/>): this machine's real-time wake-ups at the heartbeat's pace, no rack.</summary>
    public bool Wakeup { get; init; }

    /// <summary>Null: the failover bench. A number: the scale bench (<see cref="ScaleBench"/>) with 1, 2, 4 ... up to this many groups of two servers.</summary>
    public int? Groups { get; init; }

    /// <summary>With <see cref="Groups"/>: the board's steady window (its statistics interval), seconds.</summary>
    public int SteadyS { get; init; } = 20;
}
