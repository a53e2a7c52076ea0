using System.Globalization;
using Watchdog.Agent.Metrics;
using Watchdog.Protocol.Messages;

namespace Watchdog.Agent.Checks;

/// <summary>
/// A resource figure (cpu, memory, disk, disk-io, net-rx, net-tx, load1) against a maximum.
/// Owns its own sampler, so its rates are measured over its own interval.
/// </summary>
public sealed class MetricProbe : IProbe
{
    private readonly MetricsSampler _sampler;
    private readonly string _metric;
    private readonly double _max;
    private readonly TimeProvider _time;
    private bool _primed;

    public MetricProbe(MetricsSampler sampler, string metric, double max, TimeProvider time)
    {
        _sampler = sampler;
        _metric = metric;
        _max = max;
        _time = time;
    }

    public Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        NodeMetrics m = _sampler.Sample("", _time.GetUtcNow().ToUnixTimeMilliseconds());
        double value = MetricsSampler.Pick(m, _metric);
        bool isRate = _metric is "cpu" or "disk-io" or "net-rx" or "net-tx";
        if (isRate && !_primed)
        {
            // A rate needs two readings; the first probe only primes the sampler.
            _primed = true;
            return Task.FromResult(ProbeOutcome.Pass(_metric + " sampling started"));
        }

        string shown = value.ToString("0.##", CultureInfo.InvariantCulture);
        string max = _max.ToString("0.##", CultureInfo.InvariantCulture);
        return Task.FromResult(value > _max
            ? ProbeOutcome.Fail(_metric + " " + shown + " above " + max)
            : ProbeOutcome.Pass(_metric + " " + shown + " (max " + max + ")"));
    }
}
