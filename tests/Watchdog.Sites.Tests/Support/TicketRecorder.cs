using System.Diagnostics;
using Watchdog.Sites.Ticket;

namespace Watchdog.Sites.Tests.Support;

/// <summary>
/// Records what one keeper says (held, lost, renewed) with the keeper's timestamps, which are
/// Stopwatch timestamps on the system clock: one monotonic clock for every keeper in a test.
/// Disposing it disposes the keeper.
/// </summary>
internal sealed class TicketRecorder : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly List<TicketHeld> helds = [];
    private readonly List<TicketLost> losts = [];
    private readonly List<TicketRenewed> renewed = [];
    private readonly List<(long Count, TaskCompletionSource Done)> renewalWaits = [];
    private readonly TaskCompletionSource<TicketHeld> firstHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TicketLost> firstLost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long renewals;

    public TicketRecorder(SiteTicket keeper)
    {
        Keeper = keeper;
        keeper.Held += held =>
        {
            lock (gate)
            {
                helds.Add(held);
            }

            firstHeld.TrySetResult(held);
        };
        keeper.Lost += lost =>
        {
            lock (gate)
            {
                losts.Add(lost);
            }

            firstLost.TrySetResult(lost);
        };
        keeper.Renewed += renewal =>
        {
            List<TaskCompletionSource> done;
            lock (gate)
            {
                renewed.Add(renewal);
                renewals = renewal.Count;
                done = [.. renewalWaits.Where(w => w.Count <= renewal.Count).Select(w => w.Done)];
                renewalWaits.RemoveAll(w => w.Count <= renewal.Count);
            }

            done.ForEach(d => d.TrySetResult());
        };
    }

    public SiteTicket Keeper { get; }

    public IReadOnlyList<TicketHeld> Helds { get { lock (gate) { return [.. helds]; } } }

    public IReadOnlyList<TicketLost> Losts { get { lock (gate) { return [.. losts]; } } }

    public IReadOnlyList<TicketRenewed> Renewals { get { lock (gate) { return [.. renewed]; } } }

    /// <summary>The longest time between the sending of two successive successful renewals, from the last one before <paramref name="since"/> (a timestamp) on.</summary>
    public double LongestRenewalGapMs(long since)
    {
        long[] all = [.. Renewals.Select(r => r.Sent)];
        int first = Math.Max(0, Array.FindIndex(all, s => s >= since) - 1);
        long[] sent = all[first..];
        return sent.Zip(sent.Skip(1), Ms).DefaultIfEmpty(0).Max();
    }

    /// <summary>For a failure message: the last eight renewals (ms from <paramref name="since"/>: sent, TTL, deadline), failed renewals and the last error.</summary>
    public string RenewalTrail(long since) =>
        "renewals sent at (ms, TTL, deadline): " + string.Join(", ", Renewals.TakeLast(8).Select(r => $"{Ms(since, r.Sent):F0}/{r.TtlSeconds}/{Ms(since, r.Deadline):F0}"))
        + $"; failed renewals {Keeper.FailedRenewals}, last error {Keeper.LastError}";

    public Task<TicketHeld> FirstHeld(TimeSpan within) => Bounded(firstHeld.Task, within, "held");

    public Task<TicketLost> FirstLost(TimeSpan within) => Bounded(firstLost.Task, within, "lost");

    /// <summary>Completes once the keeper has renewed <paramref name="more"/> more times than it had now.</summary>
    public Task MoreRenewals(int more, TimeSpan within)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            renewalWaits.Add((renewals + more, done));
        }

        return Bounded(done.Task, within, $"{more} more renewals");
    }

    public ValueTask DisposeAsync() => Keeper.DisposeAsync();

    /// <summary>Milliseconds between two timestamps of the system clock.</summary>
    public static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private async Task<T> Bounded<T>(Task<T> task, TimeSpan within, string what)
    {
        try
        {
            return await task.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"site {Keeper.Options.Site} did not say {what} within {within.TotalSeconds:F0} s (state {Keeper.State}, renewals {Keeper.Renewals}, failed {Keeper.FailedRenewals}, last error: {Keeper.LastError})");
        }
    }

    private async Task Bounded(Task task, TimeSpan within, string what)
    {
        await Bounded(task.ContinueWith(_ => true, TaskScheduler.Default), within, what);
    }
}
