using Prometheus;

namespace Watchdog.Metrics;

/// <summary>
/// One gauge per state word, 1 for the state a thing is in and 0 for every other (the pattern of
/// ClusterLabs' ha_cluster_exporter): a query selects a state by label, and a change of state
/// moves the 1 instead of creating or dropping series.
/// </summary>
public sealed class StateGauge
{
    private readonly Gauge _gauge;
    private readonly string[] _states;

    /// <param name="labels">The labels that name the thing; "state" (or <paramref name="stateLabel"/>) is added last.</param>
    public StateGauge(MetricFactory factory, string name, string help, string[] labels, string[] states, string stateLabel = "state")
    {
        _states = states;
        _gauge = factory.CreateGauge(name, help, [.. labels, stateLabel]);
    }

    public IReadOnlyList<string> States => _states;

    /// <summary>Sets the thing named by <paramref name="labels"/> to <paramref name="state"/> (one of the words given at construction).</summary>
    public void Set(string[] labels, string state)
    {
        foreach (string s in _states)
        {
            _gauge.WithLabels([.. labels, s]).Set(s == state ? 1 : 0);
        }
    }
}
