using System.Globalization;
using Watchdog.Agent.Metrics;

namespace Watchdog.Agent.Checks;

/// <summary>
/// A resource figure (cpu, memory, disk, disk-io, net-rx, net-tx, load1) against a maximum.
/// Owns its own sampler, so its rates are measured over its own interval.
/// </summary>
public sealed class MetricProbe(MetricsSampler sampler, string metric, double max, TimeProvider time) : IProbe
{
    private bool _primed;

    public Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        NodeMetrics m = sampler.Sample("", time.GetUtcNow().ToUnixTimeMilliseconds());
        double value = MetricsSampler.Pick(m, metric);
        bool isRate = metric is "cpu" or "disk-io" or "net-rx" or "net-tx";
        if (isRate && !_primed)
        {
            // A rate needs two readings; the first probe only primes the sampler.
            _primed = true;
            return Task.FromResult(ProbeOutcome.Pass(metric + " sampling started"));
        }

        string shown = value.ToString("0.##", CultureInfo.InvariantCulture);
        string shownMax = max.ToString("0.##", CultureInfo.InvariantCulture);
        return Task.FromResult(value > max
            ? ProbeOutcome.Fail(metric + " " + shown + " above " + shownMax)
            : ProbeOutcome.Pass(metric + " " + shown + " (max " + shownMax + ")"));
    }
}
