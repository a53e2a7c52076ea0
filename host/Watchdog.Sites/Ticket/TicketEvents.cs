namespace Watchdog.Sites.Ticket;

/// <summary>Where a site stands with its ticket.</summary>
public enum TicketState
{
    /// <summary>Never held since the keeper started.</summary>
    NotHeld,

    /// <summary>Held: the site may run its active, with epochs above the floor and up to the ceiling.</summary>
    Held,

    /// <summary>Held before and lost (or released): the site must have stopped its active. The keeper may take the ticket again later.</summary>
    Lost,
}

/// <summary>The site took the ticket.</summary>
/// <param name="Floor">Every epoch any former holder could have used is at most this: the site continues above it.</param>
/// <param name="Ceiling">The highest epoch the site may use until the keeper extends it.</param>
/// <param name="At">When, as a timestamp of the keeper's <see cref="TimeProvider"/>.</param>
/// <param name="Forced">Taken by <see cref="SiteTicket.ForceAcquireAsync"/>, not by the acquire rules.</param>
public sealed record TicketHeld(long Floor, long Ceiling, long At, bool Forced);

/// <summary>The site no longer holds the ticket and must stop its active now.</summary>
/// <param name="Reason">Why, in a sentence.</param>
/// <param name="At">When, as a timestamp of the keeper's <see cref="TimeProvider"/>.</param>
public sealed record TicketLost(string Reason, long At);

/// <summary>A keepalive succeeded and the keeper's deadline moved.</summary>
/// <param name="Sent">When the keepalive was sent (timestamp): the deadline counts from here.</param>
/// <param name="TtlSeconds">The lease's time to live the server answered.</param>
/// <param name="Deadline">The new local deadline (timestamp): sent + TTL - stop margin.</param>
/// <param name="Count">Successful renewals in this keeper's life.</param>
public sealed record TicketRenewed(long Sent, long TtlSeconds, long Deadline, long Count);
