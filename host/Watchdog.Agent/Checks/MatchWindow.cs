namespace Watchdog.Agent.Checks;

/// <summary>Times of pattern matches within a sliding window ("N matches per window").</summary>
public sealed class MatchWindow
{
    private readonly Queue<long> _times = new();
    private readonly long _windowMs;
    private readonly int _cap;
    private readonly object _gate = new();

    /// <param name="cap">Matches remembered at most (the threshold is all that matters; a log storm must not grow memory).</param>
    public MatchWindow(long windowMs, int cap)
    {
        _windowMs = windowMs;
        _cap = Math.Max(1, cap);
    }

    public string LastMatch { get; private set; } = "";

    public void Add(long nowMs, string line)
    {
        lock (_gate)
        {
            _times.Enqueue(nowMs);
            while (_times.Count > _cap)
            {
                _times.Dequeue();
            }

            LastMatch = line.Length > 160 ? line[..160] : line;
        }
    }

    public int Count(long nowMs)
    {
        lock (_gate)
        {
            while (_times.Count > 0 && _times.Peek() <= nowMs - _windowMs)
            {
                _times.Dequeue();
            }

            return _times.Count;
        }
    }
}
