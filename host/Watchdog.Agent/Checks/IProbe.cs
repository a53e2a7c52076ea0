namespace Watchdog.Agent.Checks;

/// <summary>One probe's answer. LatencyMs is set by probes that measure a response time.</summary>
public readonly record struct ProbeOutcome(bool Ok, string Detail, double LatencyMs = -1)
{
    public static ProbeOutcome Pass(string detail, double latencyMs = -1) => new(true, detail, latencyMs);

    public static ProbeOutcome Fail(string detail, double latencyMs = -1) => new(false, detail, latencyMs);
}

/// <summary>
/// Looks at one thing once. The runner calls it every interval with a token that is cancelled
/// at the check's timeout; a probe that overruns counts as failed ("timed out after N ms").
/// </summary>
public interface IProbe : IDisposable
{
    Task<ProbeOutcome> ProbeAsync(CancellationToken ct);

    /// <summary>Most probes hold nothing between runs; those that do (files, HTTP clients) say so.</summary>
    void IDisposable.Dispose()
    {
    }
}

/// <summary>A probe that watches continuously (log followers) and must be started once.</summary>
public interface IBackgroundProbe : IProbe
{
    void Start(CancellationToken stopping);
}
