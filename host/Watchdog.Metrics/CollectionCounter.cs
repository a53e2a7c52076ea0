using Prometheus;

namespace Watchdog.Metrics;

/// <summary>
/// The .NET runtime's garbage collections by generation, for the agent and the Linux board alike:
/// each stops every managed thread, the real-time one too, so an operator reads them beside that
/// thread's lateness.
/// </summary>
public sealed class CollectionCounter
{
    private static readonly string[] Generations = ["0", "1", "2"];
    private readonly Counter _counter;

    /// <param name="whose">Whose runtime, in the help text ("agent", "board").</param>
    public CollectionCounter(MetricFactory factory, string name, string whose)
    {
        _counter = factory.CreateCounter(name, "Garbage collections of the " + whose + "'s runtime, by generation (a collection of a generation also counts in every younger one).", ["generation"]);
    }

    /// <summary>Brings each generation's count up to the runtime's (called before a scrape).</summary>
    public void Update()
    {
        for (int g = 0; g < Generations.Length && g <= GC.MaxGeneration; g++)
        {
            _counter.WithLabels(Generations[g]).IncTo(GC.CollectionCount(g));
        }
    }
}
