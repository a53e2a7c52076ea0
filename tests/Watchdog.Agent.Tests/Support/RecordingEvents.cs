namespace Watchdog.Agent.Tests.Support;

/// <summary>Collects raised events for assertions.</summary>
public sealed class RecordingEvents : IAgentEvents
{
    private readonly List<(string Kind, Severity Severity, string Detail)> _all = new();

    public IReadOnlyList<(string Kind, Severity Severity, string Detail)> All
    {
        get
        {
            lock (_all)
            {
                return _all.ToArray();
            }
        }
    }

    public void Raise(string kind, Severity severity, string detail)
    {
        lock (_all)
        {
            _all.Add((kind, severity, detail));
        }
    }

    public bool Has(string kind) => All.Any(e => e.Kind == kind);
}
