namespace Watchdog.Sim;

/// <summary>
/// The live objects of one kind that hold something outside this process (a broker listening, a
/// rack's namespaces and processes). Each adds itself when it comes up and removes itself when
/// disposed; whatever is still here when the process exits is disposed then, so a test host that
/// dies with them up does not leave them behind.
/// </summary>
internal sealed class ExitCleanup<T>
    where T : class, IDisposable
{
    private readonly HashSet<T> live = [];

    public ExitCleanup() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAll();

    public void Add(T item)
    {
        lock (live)
        {
            live.Add(item);
        }
    }

    public void Remove(T item)
    {
        lock (live)
        {
            live.Remove(item);
        }
    }

    private void DisposeAll()
    {
        T[] all;
        lock (live)
        {
            all = [.. live];
        }

        foreach (T item in all)
        {
            item.Dispose();
        }
    }
}
