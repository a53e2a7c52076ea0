namespace Watchdog.Sim.Tests.Rack;

/// <summary>
/// A fresh virtual rack for each test, with a probe playing the board on its wires; after the test
/// the rack's timeline goes to the test output, since it explains a failure better than any
/// assertion message.
/// </summary>
public abstract class VirtualRackTestBase : IDisposable
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    protected VirtualRackTestBase(ITestOutputHelper output, bool useNamespaces)
    {
        Output = output;
        Rack = VirtualRack.Create(new RackOptions { Log = Log, UseNamespaces = useNamespaces });
        Board = new RackProbe(Rack);
    }

    /// <summary>What the rack printed while it was set up and run.</summary>
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
