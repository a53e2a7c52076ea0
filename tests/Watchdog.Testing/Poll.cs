using System.Diagnostics;

namespace Watchdog.Testing;

/// <summary>
/// Waits by polling, for conditions that raise no event a test could wait on (wire files, /proc,
/// sockets, a client's IsConnected).
/// </summary>
public static class Poll
{
    /// <summary>Checks <paramref name="condition"/> every <paramref name="interval"/> until it holds (true) or <paramref name="timeout"/> has passed (false).</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(interval);
        }

        return true;
    }

    /// <summary>The asynchronous form of <see cref="Until"/>: the thread is free between the checks.</summary>
    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(interval).ConfigureAwait(false);
        }

        return true;
    }
}
