using Watchdog.Agent.Configuration;
using Watchdog.Agent.Metrics;

namespace Watchdog.Agent.Checks;

/// <summary>Builds the probe a check's Kind names, from its already validated options.</summary>
public static class ProbeFactory
{
    public static IProbe Create(CheckOptions c, MetricsOptions metrics, TimeProvider time) => c.Kind switch
    {
        "process" => new ProcessAliveProbe(c.ProcessName, c.PidFile),
        "systemd-unit" => new SystemdUnitProbe(c.Unit),
        "tcp" => new TcpConnectProbe(c.Host, c.Port),
        "http" => new HttpProbe(c.Url, c.ExpectStatus, c.MaxLatencyMs, c.InsecureTls),
        "command" => new CommandProbe(c.Command, c.ExpectExitCode),
        "carrier" => new CarrierProbe(c.Interface),
        "metric" => new MetricProbe(new MetricsSampler(new ProcReader(disks: metrics.Disks, interfaces: metrics.Interfaces), metrics.DiskPath), c.Metric, c.Max, time),
        "log-file" => new LogFileProbe(c.Path, c.Pattern, c.MaxMatches, c.WindowMs, time),
        "journal" => new JournalProbe(c.Pattern, c.MaxMatches, c.WindowMs, c.JournalUnit, time),
        "postgres" => new PostgresReplicationProbe(c.ConnectionString, new Watchdog.Postgres.ReplicationLimits(c.MaxLagBytes, c.MaxLagMs, c.RequireSync, c.MaxContactAgeMs), c.PrimaryTimeoutMs, c.ApplicationName, time),
        _ => throw new ArgumentException("unknown check kind '" + c.Kind + "'", nameof(c)),
    };
}
