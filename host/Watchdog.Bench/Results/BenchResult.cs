namespace Watchdog.Bench.Results;

/// <summary>
/// The figures of one run of one scenario against one failover system ("peer"). Every time is in
/// ms from the fault injection, on the bench's monotonic clock. Null means "not applicable or not
/// reached" (keepalived has no fencing, so its FenceMs is null; a run in which no other node ever
/// answered has a null RtoMs); summaries count nulls as missing, never as zero.
/// Our own scenarios fill the same record, so both sides go through one stats and report path.
/// </summary>
/// <param name="Scenario">Scenario name, e.g. "kill-9", "hang", "power-loss".</param>
/// <param name="Peer">The system under test, e.g. "watchdog", "keepalived-defaults", "keepalived-tuned".</param>
/// <param name="RunIndex">0-based index of the run within the scenario.</param>
/// <param name="DetectionMs">When the system noticed (the standby's or the board's own report of the failure).</param>
/// <param name="FenceMs">When the old active was confirmed out (fenced); null for systems without fencing.</param>
/// <param name="TakeoverMs">When the new active took the role (promotion, "Entering MASTER STATE").</param>
/// <param name="RtoMs">When the client first got an answer on the VIP from the new holder.</param>
/// <param name="OverlapMs">Total time two nodes held the VIP at once after the fault (0 is the safe answer).</param>
/// <param name="Flaps">Answering-node changes beyond the first seen by the client.</param>
/// <param name="FalseFences">Fences of a healthy node (soak runs; null when the system cannot fence).</param>
/// <param name="OutageMs">Total time the client got no answer after the fault.</param>
/// <param name="AnswerChanges">All answering-node changes seen by the client after the fault.</param>
/// <param name="WindowMs">Length of the observation window after the fault (overlap is capped by it).</param>
/// <param name="Notes">Free text: what went unexpected in this run.</param>
/// <param name="AuthorityMs">A pair of boards: when the other board held authority, from the board fault (null without one).</param>
/// <param name="TwoAuthoritiesMs">A pair of boards: how long two boards both held authority in the run (0 is the safe answer; null with one board).</param>
/// <param name="RpoRows">A database behind the failover: acknowledged rows missing on the new primary after the fault (0 is the safe answer; null without a database).</param>
/// <param name="RpoSpanMs">The time span the missing acknowledged rows cover, first to last ack (0 when none is missing; null without a database).</param>
/// <param name="TwoPrimariesMs">A database: how long both nodes accepted a write after the fault, each written to directly (0 is the safe answer; null without a database).</param>
/// <param name="WriteOutageMs">A database: from the fault to the measuring client's first acknowledged write after its outage began (null without a database, or when none came).</param>
public sealed record BenchResult(
    string Scenario,
    string Peer,
    int RunIndex,
    double? DetectionMs,
    double? FenceMs,
    double? TakeoverMs,
    double? RtoMs,
    double? OverlapMs,
    int? Flaps,
    int? FalseFences,
    double? OutageMs = null,
    int? AnswerChanges = null,
    double? WindowMs = null,
    string? Notes = null,
    double? AuthorityMs = null,
    double? TwoAuthoritiesMs = null,
    int? RpoRows = null,
    double? RpoSpanMs = null,
    double? TwoPrimariesMs = null,
    double? WriteOutageMs = null);
