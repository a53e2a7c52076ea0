namespace Watchdog.Platform.Runtime;

/// <summary>
/// Runs the runtime's young-generation collections on the real-time thread that calls it (the
/// agent's heartbeat thread after an edge, the board's tick thread after a tick), before the
/// allocation budget makes some other thread run one.
/// </summary>
/// <remarks>
/// A collection stops every managed thread, the real-time one too, and runs on the thread whose
/// allocation went past the budget: a thread at normal priority, which a loaded machine sets
/// aside for other work while the real-time thread waits. Soaks at a 20 ms heartbeat beside CPU
/// hogs and an fsync loop saw collections that take about 2 ms hold the line still for 25-56 ms
/// (docs/benchmarks.md). Run here, a collection runs at the caller's priority, at a moment the
/// caller chose because it has time to spare.
/// A no-GC region was the other way considered: it only moves the collection to when the region
/// runs out, and costs its whole size in memory.
/// </remarks>
public sealed class RealTimeCollector
{
    /// <summary>
    /// Bytes allocated since the last collection here that make the next one due. Well under
    /// the young generation's budget, which the runtime sizes from the CPU's cache and keeps
    /// above 256 KiB (it collected every ~2 MB on the machine the soaks ran on): at the 30-60 KB/s
    /// an agent allocates, a collection every few seconds.
    /// </summary>
    public const long DefaultBudgetBytes = 192 * 1024;

    private readonly long _budgetBytes;
    private long _allocatedAtLast;
    private long _collections;

    /// <param name="budgetBytes">Allocation that makes a collection due; long.MaxValue never collects.</param>
    public RealTimeCollector(long budgetBytes = DefaultBudgetBytes)
    {
        _budgetBytes = budgetBytes;
        _allocatedAtLast = GC.GetTotalAllocatedBytes(precise: false);
    }

    /// <summary>Collections run here since start (read from any thread).</summary>
    public long Collections => Interlocked.Read(ref _collections);

    /// <summary>Collects the young generation if the process allocated the budget since the last time; allocates nothing.</summary>
    public bool CollectIfDue()
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: false);
        if (allocated - _allocatedAtLast < _budgetBytes)
        {
            return false;
        }

        // A collection another thread ran in between is not looked for: collecting early
        // costs less than letting one more run at that thread's priority.
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        _allocatedAtLast = GC.GetTotalAllocatedBytes(precise: false);
        Interlocked.Increment(ref _collections);
        return true;
    }
}
