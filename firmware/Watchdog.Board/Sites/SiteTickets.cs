using System.Collections.Concurrent;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Wire;
using Watchdog.Sites.Config;
using Watchdog.Sites.Ticket;

namespace Watchdog.Board.Sites;

/// <summary>
/// The board's side of disaster recovery across sites: one etcd keeper (<see cref="SiteTicket"/>)
/// per DR group this site takes part in, and the hand-over of what they learn to the core. The
/// keepers run on the thread pool; the tick loop applies their news in <see cref="Apply"/>, so the
/// core stays single-threaded. A won ticket raises the core's epoch floor above every epoch the
/// previous holder could have used before the group may grant active; a lost one (the keeper says
/// so before the lease could expire) makes the core demote the group's active.
/// </summary>
public sealed class SiteTickets : IAsyncDisposable
{
    private readonly List<Keeper> _keepers;
    private readonly ConcurrentQueue<Change> _changes = new();
    private readonly Action<string> _log;

    private SiteTickets(List<Keeper> keepers, Action<string> log)
    {
        _keepers = keepers;
        _log = log;
        foreach (Keeper k in keepers)
        {
            k.Ticket.Held += held => _changes.Enqueue(new Change(k.Group, true, held.Floor, held.Forced ? "taken by an operator's statement" : "won"));
            k.Ticket.Lost += lost => _changes.Enqueue(new Change(k.Group, false, 0, lost.Reason));
        }
    }

    /// <summary>The DR groups this board keeps a ticket for, as "dr-group -> board group".</summary>
    public IEnumerable<string> Describe() => _keepers.Select(k => $"{k.Ticket.Options.Ticket} -> {k.Group}");

    /// <summary>
    /// What each keeper is doing, for the board's line a minute: when the other site is lost and
    /// this one does not take the ticket, this says whether it sees the ticket held, waits out
    /// acquire-after, finds no member ready, or meets etcd errors.
    /// </summary>
    public string Summary() => string.Join("; ", _keepers.Select(k => k.Summary()));

    /// <summary>
    /// Reads the DR configuration and makes one keeper for each DR group that names
    /// <paramref name="site"/>. Every DR group of the site must name a group of this board marked
    /// "site_ticket": true, or the board would run an active the ticket does not govern.
    /// </summary>
    public static bool TryCreate(string drPath, string site, BoardConfig board, Action<string> log, out SiteTickets? tickets, out string error)
    {
        tickets = null;
        DrConfigLoad load = DrConfigLoader.Load(drPath);
        if (!load.Ok || load.Config is null)
        {
            error = $"--dr '{drPath}': " + string.Join("; ", load.Errors);
            return false;
        }

        DrConfig dr = load.Config;
        Site? own = dr.Sites.FirstOrDefault(s => s.Name == site);
        if (own is null)
        {
            error = $"--site '{site}': the DR configuration '{drPath}' has no such site (it has {string.Join(", ", dr.Sites.Select(s => s.Name))})";
            return false;
        }

        if (own.Arbiter)
        {
            error = $"--site '{site}': an arbiter site runs only its etcd member, not a board";
            return false;
        }

        var keepers = new List<Keeper>();
        var problems = new List<string>();
        foreach (SiteTicketTimings t in dr.TicketTimingsFor(site))
        {
            GroupConfig? group = board.Groups.FirstOrDefault(x => x.Name == t.BoardGroup);
            if (group is null)
            {
                problems.Add($"DR group '{t.DrGroup}' names board group '{t.BoardGroup}', which board '{board.Board}' does not have");
                continue;
            }

            if (!group.SiteTicket)
            {
                problems.Add($"DR group '{t.DrGroup}': board group '{t.BoardGroup}' needs \"site_ticket\": true in the board's configuration, or its active would run without the ticket");
                continue;
            }

            SiteTicketOptions options = t.ToOptions(dr.Cluster);
            IReadOnlyList<string> wrong = SiteTicketOptions.Validate(options);
            if (wrong.Count > 0)
            {
                problems.Add($"DR group '{t.DrGroup}': " + string.Join("; ", wrong));
                continue;
            }

            // The preferred site competes at once; the other waits a lease and an acquire-after
            // more at start, so when both start together the preferred one wins (as Pacemaker's
            // priority-fencing-delay), and when the preferred one is down the other still takes it.
            // (A manual ticket needs no such delay: only the granted site takes it.)
            var keeper = new Keeper(t.BoardGroup, t.Rank == 0 || options.Manual ? TimeSpan.Zero : TimeSpan.FromMilliseconds(t.LeaseMs + t.AcquireAfterMs));
            keeper.Ticket = new SiteTicket(options, _ => Task.FromResult(Volatile.Read(ref keeper.MembersReady))) { Candidate = keeper.StartDelay == TimeSpan.Zero };
            keepers.Add(keeper);
        }

        if (problems.Count > 0)
        {
            foreach (Keeper k in keepers)
            {
                k.Ticket.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            error = $"--dr '{drPath}' --site '{site}': " + string.Join("; ", problems);
            return false;
        }

        if (keepers.Count == 0)
        {
            error = $"--site '{site}': no DR group in '{drPath}' includes this site";
            return false;
        }

        tickets = new SiteTickets(keepers, log);
        error = "";
        return true;
    }

    public void Start()
    {
        foreach (Keeper k in _keepers)
        {
            k.Ticket.Start();
            if (k.StartDelay > TimeSpan.Zero)
            {
                _ = Task.Delay(k.StartDelay).ContinueWith(_ => k.Ticket.Candidate = true, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// On the tick thread, before the core's tick: tells the keepers whether the group has a
    /// member ready to take the active role (the before-acquire check), and hands the core what
    /// the keepers learned since the last tick, in order.
    /// </summary>
    public void Apply(WatchdogCore core)
    {
        foreach (Keeper k in _keepers)
        {
            bool ready = AnyMemberReady(core, k.Group);
            Volatile.Write(ref k.MembersReady, ready);
            LogWhatTheKeeperSees(k, ready);
        }

        HandOver(core);

        while (_changes.TryDequeue(out Change? c))
        {
            if (c.Held)
            {
                // Above every epoch the previous holder could have used, before anything is granted.
                core.ContinueAbove(c.Floor);
            }

            if (c.Held && _keepers.Any(k => k.Group == c.Group && k.HandingOver))
            {
                // Cannot happen while the keeper still holds it; never re-grant during a handover.
                continue;
            }

            string refused = core.SetSiteTicket(c.Group, c.Held);
            _log(refused.Length > 0
                ? $"site ticket for group '{c.Group}' ({c.Why}) refused by the core: {refused}"
                : c.Held ? $"site ticket for group '{c.Group}' {c.Why}: epochs continue above {c.Floor}" : $"site ticket for group '{c.Group}' lost: {c.Why}");
        }
    }

    /// <summary>
    /// While the site does not hold the ticket: who holds it as the keeper last saw it, that no
    /// member is ready when that kept it from a free ticket (once until one is), and each new etcd
    /// error (at most one a minute), so that a site that does not take a free ticket says why.
    /// </summary>
    private void LogWhatTheKeeperSees(Keeper k, bool ready)
    {
        SiteTicket t = k.Ticket;
        if (ready)
        {
            k.NoneReadyLogged = false;
            k.RefusalsAtReady = t.ChecksRefused;
        }
        else if (!k.NoneReadyLogged && t.ChecksRefused > k.RefusalsAtReady)
        {
            k.NoneReadyLogged = true;
            _log($"site ticket of group '{k.Group}' is free, but no member here is healthy and ready: not taking it");
        }

        if (t.State == TicketState.Held)
        {
            k.LoggedHolder = t.Options.Site;
            return;
        }

        string? holder = t.SeenHolder;
        if (holder is not null && holder != k.LoggedHolder)
        {
            k.LoggedHolder = holder;
            _log(holder.Length > 0 ? $"site ticket of group '{k.Group}' is held by site '{holder}'"
                : t.Options.Manual ? $"site ticket of group '{k.Group}' is free in etcd; it is manual: only the site an operator granted it to (watchdogctl dr promote) takes it"
                : $"site ticket of group '{k.Group}' is free in etcd: this site takes it once it has stayed free {t.Options.AcquireAfterMs} ms and a member here is ready");
        }

        string? error = t.LastError;
        long now = Environment.TickCount64;
        if (error is not null && error != k.LoggedError && now - k.ErrorLoggedAt >= 60_000)
        {
            k.LoggedError = error;
            k.ErrorLoggedAt = now;
            _log($"site ticket of group '{k.Group}': last etcd error {error}");
        }
    }

    /// <summary>
    /// A planned handover of every ticket this site holds (SIGUSR1; docs/dr.md, "Planned
    /// switch"), from any thread: at the next tick the core is told the ticket is gone, so it
    /// demotes the group's active (and fences it if it does not acknowledge); only once the core
    /// took that and nobody here counts as active does the keeper revoke its lease
    /// (<see cref="SiteTicket.HandOverAsync"/>), so the other site, which waits acquire-after
    /// once it sees the ticket free, never starts an active beside this one.
    /// </summary>
    public void RequestHandOver() => Interlocked.Exchange(ref _handOverRequested, 1);

    private int _handOverRequested;

    /// <summary>On the tick thread: starts a requested handover, and revokes each lease whose group is down.</summary>
    private void HandOver(WatchdogCore core)
    {
        if (Interlocked.Exchange(ref _handOverRequested, 0) == 1)
        {
            foreach (Keeper k in _keepers)
            {
                if (k.Ticket.State != TicketState.Held)
                {
                    _log($"planned handover: site ticket of group '{k.Group}' is not held here; nothing to hand over");
                    continue;
                }

                k.HandingOver = true;
                string refused = core.SetSiteTicket(k.Group, false);
                _log(refused.Length > 0
                    ? $"planned handover of group '{k.Group}' refused by the core: {refused}"
                    : $"planned handover of group '{k.Group}': demoting its active before releasing the site ticket");
            }
        }

        foreach (Keeper k in _keepers)
        {
            if (!k.HandingOver || !GroupDown(core, k.Group))
            {
                continue;
            }

            k.HandingOver = false;
            _log($"planned handover of group '{k.Group}': nobody here is active; releasing the site ticket");
            _ = k.Ticket.HandOverAsync().ContinueWith(
                t => _log(t.IsCompletedSuccessfully && t.Result
                    ? $"planned handover of group '{k.Group}': lease revoked, the ticket is free for the other site"
                    : $"planned handover of group '{k.Group}': no revoke confirmed (the ticket was no longer held here, or etcd did not answer and the lease runs out by itself)"),
                TaskScheduler.Default);
        }
    }

    /// <summary>The core took the loss of the ticket (as of its last tick) and nobody in the group counts as active.</summary>
    private static bool GroupDown(WatchdogCore core, string group)
    {
        for (int g = 0; g < core.GroupCount; g++)
        {
            GroupView view = core.Group(g);
            if (view.Name == group)
            {
                return !view.TicketHeld && view.ActiveCount == 0;
            }
        }

        return false;
    }

    /// <summary>After the glue persisted an epoch: each keeper keeps its reserved ceiling above it.</summary>
    public void NoteEpoch(long epoch)
    {
        foreach (Keeper k in _keepers)
        {
            k.Ticket.NoteEpoch(epoch);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Keeper k in _keepers)
        {
            await k.Ticket.DisposeAsync();
        }
    }

    private static bool AnyMemberReady(WatchdogCore core, string group)
    {
        for (int g = 0; g < core.GroupCount; g++)
        {
            GroupView view = core.Group(g);
            if (view.Name != group)
            {
                continue;
            }

            for (int m = 0; m < view.MemberCount; m++)
            {
                for (int c = 0; c < core.ChannelCount; c++)
                {
                    ChannelView ch = core.Channel(c);
                    if (ch.Node == view.Member(m) && ch.State == ChannelState.Healthy && ch.Ready)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private sealed record Change(string Group, bool Held, long Floor, string Why);

    private sealed class Keeper(string group, TimeSpan startDelay)
    {
        public string Group { get; } = group;

        public TimeSpan StartDelay { get; } = startDelay;

        public SiteTicket Ticket = null!;

        public bool MembersReady;

        // Tick thread only: a planned handover waits for the group's active to be down.
        public bool HandingOver;

        // Tick thread only: "no member ready" is logged once until a member is ready again.
        public bool NoneReadyLogged;
        public long RefusalsAtReady;

        // Tick thread only: what LogWhatTheKeeperSees said last.
        public string? LoggedHolder;
        public string? LoggedError;
        public long ErrorLoggedAt = long.MinValue / 2;

        public string Summary()
        {
            SiteTicket t = Ticket;
            string what = t.State == TicketState.Held
                ? $"held, {t.Renewals} renewal(s), {t.FailedRenewals} failed"
                : $"{(t.State == TicketState.Lost ? "lost" : "not held")}, {t.LastSeen}{(t.Candidate ? "" : ", not a candidate")}, {t.ChecksRefused} time(s) no member ready";
            return $"site ticket '{t.Options.Ticket}' {what}, {t.Turns} turn(s), last etcd error: {t.LastError ?? "none"}";
        }
    }
}
