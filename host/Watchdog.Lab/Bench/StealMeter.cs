using Watchdog.Agent.Metrics;

namespace Watchdog.Lab.Bench;

/// <summary>
/// The kernel's steal time, sampled beside a soak: the time this virtual machine's CPUs had work
/// while the hypervisor ran something else (/proc/stat). Every server of the virtual rack and its
/// board share this machine's CPUs, so a stall of the whole machine makes every heartbeat late at
/// once, which no real server shares with its board. A soak reports the steal in the second
/// before each late heartbeat or verdict, so its report says whether the hypervisor, as the
/// kernel accounts it, took the CPUs at that moment. A stall the kernel does not account as steal
/// (a virtual CPU blocked in the host rather than waiting for a host CPU) reads as 0 here.
/// </summary>
public sealed class StealMeter : IAsyncDisposable
{
    /// <summary>/proc/stat counts in USER_HZ, which Linux fixes at 100 for user space on every architecture.</summary>
    public const double MsPerTick = 10;

    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(100);

    private readonly object _gate = new();
    private readonly List<(long AtUnixMs, double StealMs)> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    /// <param name="statPath">The file to sample; null for a meter fed by hand.</param>
    private StealMeter(string? statPath)
    {
        _sampling = statPath is null ? Task.CompletedTask : Task.Run(() => SampleAsync(statPath));
    }

    /// <summary>Samples /proc/stat every 100 ms until disposed; null where there is no /proc/stat to read.</summary>
    public static StealMeter? Start(string statPath = "/proc/stat")
    {
        if (!File.Exists(statPath) || Parse(File.ReadAllText(statPath)) is null)
        {
            return null;
        }

        return new StealMeter(statPath);
    }

    /// <summary>A meter fed by hand (<see cref="Add"/>), for tests of what it reports.</summary>
    internal static StealMeter Manual() => new(statPath: null);

    /// <summary>The steal time of all CPUs together, ms, from the aggregate "cpu" line; null when the text has none.</summary>
    public static double? Parse(string stat) => ProcReader.ParseCpuSteal(stat) * MsPerTick;

    internal void Add(long atUnixMs, double stealMs)
    {
        lock (_gate)
        {
            _samples.Add((atUnixMs, stealMs));
        }
    }

    /// <summary>
    /// Steal time (all CPUs together, ms) between the last sample at or before <paramref name="fromUnixMs"/>
    /// and the first at or after <paramref name="toUnixMs"/>: the window widened to whole samples, never narrowed.
    /// </summary>
    public double StealMs(long fromUnixMs, long toUnixMs)
    {
        lock (_gate)
        {
            if (_samples.Count == 0)
            {
                return 0;
            }

            var before = _samples.LastOrDefault(s => s.AtUnixMs <= fromUnixMs, _samples[0]);
            var after = _samples.FirstOrDefault(s => s.AtUnixMs >= toUnixMs, _samples[^1]);
            return after.StealMs - before.StealMs;
        }
    }

    /// <summary>The second of the sampled time with the most steal: its end (unix ms) and the steal in it; null before two samples.</summary>
    public (long EndUnixMs, double StealMs)? WorstSecond()
    {
        lock (_gate)
        {
            (long, double)? worst = null;
            int from = 0;
            for (int i = 1; i < _samples.Count; i++)
            {
                while (_samples[i].AtUnixMs - _samples[from + 1].AtUnixMs >= 1000)
                {
                    from++;
                }

                double steal = _samples[i].StealMs - _samples[from].StealMs;
                if (worst is null || steal > worst.Value.Item2)
                {
                    worst = (_samples[i].AtUnixMs, steal);
                }
            }

            return worst;
        }
    }

    private async Task SampleAsync(string statPath)
    {
        using var timer = new PeriodicTimer(SampleEvery);
        do
        {
            if (Parse(await File.ReadAllTextAsync(statPath).ConfigureAwait(false)) is { } ms)
            {
                Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ms);
            }
        }
        while (await Wait(timer).ConfigureAwait(false));
    }

    private async Task<bool> Wait(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        _stop.Dispose();
    }
}
