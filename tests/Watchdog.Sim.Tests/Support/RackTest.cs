using Watchdog.Sim.Rack;
using Xunit.Abstractions;

namespace Watchdog.Sim.Tests.Support;

/// <summary>
/// A fresh virtual rack per test with a probe standing in for its board. At the end the rack's
/// timeline goes to the test output: it explains a failure better than any assertion message.
/// </summary>
public abstract class RackTest : IDisposable
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    protected RackTest(ITestOutputHelper output, bool useNamespaces)
    {
        Output = output;
        Rack = VirtualRack.Create(new RackOptions { Log = Log, UseNamespaces = useNamespaces });
        Board = new RackProbe(Rack);
    }

    protected StringWriter Log { get; } = new();

    protected VirtualRack Rack { get; }

    protected RackProbe Board { get; }

    protected ITestOutputHelper Output { get; }

    public void Dispose()
    {
        Board.Dispose();
        Rack.Dispose();
        foreach (TimelineEvent e in Rack.Timeline.Snapshot())
        {
            Output.WriteLine(e.ToString());
        }

        GC.SuppressFinalize(this);
    }
}
