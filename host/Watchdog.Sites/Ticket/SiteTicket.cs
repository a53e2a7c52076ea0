using Etcdserverpb;

namespace Watchdog.Sites.Ticket;

/// <summary>
/// Keeps one site's side of one site ticket, the way booth keeps a ticket, with etcd as the vote:
/// the ticket is the key <c>holder</c> (value: the site's name) attached to a lease; whoever put it
/// there holds the ticket until the lease ends. A background loop takes a free ticket, renews a
/// held one, and says "lost" before the lease could expire at the server.
/// <para>
/// Acquire: the holder key must have been seen absent, and stay absent, for AcquireAfterMs (the
/// epoch ceiling unchanged all that time: any acquisition in between writes it), and the
/// before-acquire check ("my members are ready and in sync") must pass; then one transaction,
/// guarded by the holder still absent and the ceiling unchanged, puts the holder on a fresh lease
/// and raises the ceiling C by the reserve. The floor is C: every epoch the former holder could
/// have used is at most C.
/// </para>
/// <para>
/// Hold: one keepalive every RenewMs. The local deadline is the time the last successful keepalive
/// was <em>sent</em> plus the TTL it answered, minus StopMarginMs: the server received it no
/// earlier, so its lease ends no earlier than sent + TTL. A timer raises <see cref="Lost"/> at the
/// deadline, whatever the loop is doing. The keeper's clock must not run slower than the etcd
/// leader's by more than the margin allows; the margin is also the time the site has to stop.
/// </para>
/// </summary>
public sealed partial class SiteTicket : IAsyncDisposable
{
    private readonly SiteTicketOptions options;
    private readonly Func<CancellationToken, Task<bool>> beforeAcquire;
    private readonly TimeProvider clock;
    private readonly ITicketStore store;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private TaskCompletionSource wakeUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? loop;
    private int disposed;

    private long? absentSince;

    // The clock's timestamp of a planned handover (HandOverAsync) while the keeper stands aside; 0 otherwise.
    private long handedOverAt;

    // 1 until the first candidate turn: a keeper started afresh (the board restarted) may take
    // back the lease its site still holds; never later, so a loss stays a loss.
    private int mayResume = 1;
    private long absentCeilingRevision;
    private long checksRefused;
    private long turns;
    private string? lastError;
    private string lastSeen = "not read yet";
    private string? seenHolder;

    /// <param name="options">Where the ticket is and the timings; refused when <see cref="SiteTicketOptions.Validate"/> finds an error.</param>
    /// <param name="beforeAcquire">Asked before each acquisition: true when this site's members are ready and in sync to run the active.</param>
    /// <param name="clock">The clock for deadlines, waits and timers (the system clock when null).</param>
    public SiteTicket(SiteTicketOptions options, Func<CancellationToken, Task<bool>> beforeAcquire, TimeProvider? clock = null)
        : this(options, beforeAcquire, clock, null)
    {
    }

    /// <summary>With <paramref name="store"/> instead of etcd at the options' endpoints (tests).</summary>
    internal SiteTicket(SiteTicketOptions options, Func<CancellationToken, Task<bool>> beforeAcquire, TimeProvider? clock, ITicketStore? store)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(beforeAcquire);
        IReadOnlyList<string> errors = SiteTicketOptions.Validate(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"site ticket '{options.Ticket}' for site '{options.Site}': " + string.Join(" ", errors), nameof(options));
        }

        this.options = options;
        this.beforeAcquire = beforeAcquire;
        this.clock = clock ?? TimeProvider.System;
        this.store = store ?? new TicketStore(options);
    }

    /// <summary>The site took the ticket (raised on the keeper's loop; handlers must be quick).</summary>
    public event Action<TicketHeld>? Held;

    /// <summary>The site lost or released the ticket: stop the active now (raised on a timer or the loop).</summary>
    public event Action<TicketLost>? Lost;

    /// <summary>A renewal succeeded.</summary>
    public event Action<TicketRenewed>? Renewed;

    public SiteTicketOptions Options => options;

    /// <summary>The loop starts to wait this long (tests on a fake clock advance it then).</summary>
    internal event Action<TimeSpan>? Sleeping;

    /// <summary>
    /// Whether the keeper takes a free ticket by itself (true at start). <see cref="ReleaseAsync"/>
    /// sets it false, so a site handing the ticket over does not take it straight back; a site
    /// whose ticket is manual leaves it false and uses <see cref="ForceAcquireAsync"/>.
    /// </summary>
    public bool Candidate { get; set; } = true;

    public TicketState State { get { lock (gate) { return state; } } }

    /// <summary>The floor given with the last acquisition (0 before any).</summary>
    public long Floor { get { lock (gate) { return floor; } } }

    /// <summary>The highest epoch the site may use while it holds the ticket.</summary>
    public long Ceiling { get { lock (gate) { return ceiling; } } }

    /// <summary>When the last successful renewal (or the acquisition's grant) was sent, as a timestamp of the clock; 0 before any.</summary>
    public long LastRenewSent { get { lock (gate) { return lastRenewSent; } } }

    /// <summary>The wall-clock time of the last successful renewal, for status pages.</summary>
    public DateTimeOffset? LastRenewal { get { lock (gate) { return lastRenewal; } } }

    /// <summary>The local deadline (timestamp) while held: the keeper says lost at this time without a renewal.</summary>
    public long Deadline { get { lock (gate) { return deadline; } } }

    public long Renewals => Interlocked.Read(ref renewals);

    public long FailedRenewals => Interlocked.Read(ref failedRenewals);

    /// <summary>How many times the before-acquire check said no (or failed).</summary>
    public long ChecksRefused => Interlocked.Read(ref checksRefused);

    /// <summary>The last etcd error the loop met, with the UTC time it was met, for status pages and logs (null when none).</summary>
    public string? LastError => Volatile.Read(ref lastError);

    /// <summary>How many turns the loop finished (a turn that stops growing is a loop that hangs).</summary>
    public long Turns => Interlocked.Read(ref turns);

    /// <summary>What the last candidate turn found ("held by 'east'", "free for 2300 ms (taken after 4000)", "free, granted to site 'west'"), for logs.</summary>
    public string LastSeen => Volatile.Read(ref lastSeen);

    /// <summary>The site the last candidate turn saw holding the ticket, "" when it saw it free, null before it read it.</summary>
    public string? SeenHolder => Volatile.Read(ref seenHolder);

    private TimeSpan RequestTimeout => TimeSpan.FromMilliseconds(options.RenewMs);

    private TimeSpan PollInterval => TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(options.RenewMs, options.AcquireAfterMs > 0 ? options.AcquireAfterMs : options.RenewMs) / 2));

    /// <summary>Starts the background loop (once). Subscribe to the events first.</summary>
    public void Start()
    {
        lock (gate)
        {
            if (loop is not null)
            {
                throw new InvalidOperationException($"the keeper of ticket '{options.Ticket}' is already started.");
            }

            loop = Task.Run(() => RunAsync(stopping.Token));
        }
    }

    /// <summary>
    /// Stops the loop without releasing: a held lease runs out at the server as after a crash
    /// (use <see cref="ReleaseAsync"/> to hand the ticket over).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await stopping.CancelAsync();
        if (loop is not null)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        lock (gate)
        {
            deadlineTimer?.Dispose();
            deadlineTimer = null;
        }

        store.Dispose();
        stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await turn.WaitAsync(stop);
                try
                {
                    wait = State == TicketState.Held ? await RenewTurnAsync(stop) : await CandidateTurnAsync(stop);
                }
                finally
                {
                    turn.Release();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                NoteError(e);
                wait = PollInterval;
            }

            Interlocked.Increment(ref turns);
            await SleepAsync(wait, stop);
        }
    }

    /// <summary>Waits <paramref name="wait"/> on the keeper's clock, or less when <see cref="Wake"/> is called.</summary>
    private async Task SleepAsync(TimeSpan wait, CancellationToken stop)
    {
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        Task woken;
        lock (gate)
        {
            woken = wakeUp.Task;
        }

        using var sleeping = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task slept = Task.Delay(wait, clock, sleeping.Token);
        Sleeping?.Invoke(wait);
        await Task.WhenAny(slept, woken);
        await sleeping.CancelAsync();
        lock (gate)
        {
            if (wakeUp.Task.IsCompleted)
            {
                wakeUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private void Wake()
    {
        lock (gate)
        {
            wakeUp.TrySetResult();
        }
    }

    /// <summary>One turn while not holding: watch for a free ticket and take it by the acquire rules.</summary>
    private async Task<TimeSpan> CandidateTurnAsync(CancellationToken stop)
    {
        await RevokeStaleLeaseAsync(stop);
        if (Volatile.Read(ref mayResume) == 1 && await ResumeAsync(stop))
        {
            return TimeSpan.Zero;
        }

        if (!await RejoinAsync(stop) || !Candidate)
        {
            absentSince = null;
            return PollInterval;
        }

        TicketSnapshot seen = await store.ReadAsync(RequestTimeout, stop);
        long now = clock.GetTimestamp();
        Volatile.Write(ref seenHolder, seen.HolderSite ?? "");
        if (seen.Holder is not null || !GrantedHere(seen))
        {
            Volatile.Write(ref lastSeen, seen.Holder is not null ? $"held by '{seen.HolderSite}'" : $"free, granted to site '{seen.GrantedSite ?? options.DefaultSite}'");
            absentSince = null;
            return PollInterval;
        }

        if (absentSince is null || seen.CeilingRevision != absentCeilingRevision)
        {
            // Absent from now on, as far as this site knows; a ceiling written since the last look
            // means someone held the ticket in between, so the wait starts again.
            absentSince = now;
            absentCeilingRevision = seen.CeilingRevision;
        }

        TimeSpan left = TimeSpan.FromMilliseconds(options.AcquireAfterMs) - clock.GetElapsedTime(absentSince.Value, now);
        Volatile.Write(ref lastSeen, $"free for {clock.GetElapsedTime(absentSince.Value, now).TotalMilliseconds:F0} ms (taken after {options.AcquireAfterMs})");
        if (left > TimeSpan.Zero)
        {
            return left < PollInterval ? left : PollInterval;
        }

        bool ready;
        try
        {
            ready = await beforeAcquire(stop);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            NoteError(e);
            ready = false;
        }

        if (!ready)
        {
            Interlocked.Increment(ref checksRefused);
            return PollInterval;
        }

        string? refused = await AcquireAsync(seen, forced: null, stop);
        if (refused is not null)
        {
            absentSince = null;
        }

        return refused is null ? TimeSpan.Zero : PollInterval;
    }

    /// <summary>Whether this site may take the ticket: always for an automatic one, only while granted here for a manual one.</summary>
    private bool GrantedHere(TicketSnapshot seen) => !options.Manual || (seen.GrantedSite ?? options.DefaultSite) == options.Site;

    /// <summary>
    /// Grants a lease and puts the holder on it in one guarded transaction; null when held, else
    /// why not. The grant's send time starts the deadline: the lease began no earlier.
    /// </summary>
    private async Task<string?> AcquireAsync(TicketSnapshot seen, string? forced, CancellationToken stop)
    {
        long sent = clock.GetTimestamp();
        LeaseGrantResponse grant = await store.GrantAsync(RequestTimeout, stop);
        long floorSeen = seen.CeilingValue;
        long newCeiling = floorSeen + options.EpochReserve;
        bool taken;
        try
        {
            taken = await store.AcquireAsync(grant.ID, seen.Holder?.ModRevision ?? 0, seen.CeilingRevision, newCeiling, forced, RequestTimeout, stop);
        }
        catch (Exception) when (!stop.IsCancellationRequested)
        {
            await RevokeQuietlyAsync(grant.ID, stop);
            throw;
        }

        if (!taken)
        {
            await RevokeQuietlyAsync(grant.ID, stop);
            return "the ticket changed in etcd while this site was taking it.";
        }

        BeginTenure(grant.ID, sent, grant.TTL, floorSeen, newCeiling, forced is not null);
        return null;
    }

    private async Task RevokeQuietlyAsync(long lease, CancellationToken stop)
    {
        try
        {
            await store.RevokeAsync(lease, RequestTimeout, stop);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            // The lease runs out by itself; nothing was raised on it.
            NoteError(e);
        }
    }

    // Stamped with the wall clock: the last error stays until the next one, and a log line must say how old it is.
    private void NoteError(Exception e) => Volatile.Write(ref lastError, $"{clock.GetUtcNow():HH:mm:ss.fff} {e.GetType().Name}: {e.Message}");
}
