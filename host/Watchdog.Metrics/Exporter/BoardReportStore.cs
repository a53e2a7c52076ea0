using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;

namespace Watchdog.Metrics.Exporter;

/// <summary>What became of one message offered to the store.</summary>
public enum ReportVerdict
{
    Accepted,
    /// <summary>Not a board metrics topic of this cluster: not ours to judge.</summary>
    NotAReport,
    Refused,
}

/// <summary>
/// The latest accepted metrics report of every board, and the reports refused. A report counts
/// only when it carries the seal of a board key for its own topic (the board's name in the topic,
/// the key's owner and the seal's sender agree), was not seen before (the seal's sequence grows),
/// decodes, names the board of its topic, and its ts is within the clock skew of now. Anyone can
/// publish to the broker: everything else is refused, counted by reason, and changes nothing.
/// A board is fresh while its last report arrived less than the staleness limit ago: by default
/// three of its own publish intervals (docs/protocol.md, "Freshness of retained values").
/// Thread-safe: MQTT delivers on one thread, scrapes read on another.
/// </summary>
public sealed class BoardReportStore(TopicTree topics, SealedChannel seals, TimeProvider time, TimeSpan? staleAfter = null)
{
    /// <summary>How far a report's ts may be from the exporter's clock, as for acknowledgements and requests.</summary>
    public const long MaxClockSkewMs = 30_000;

    /// <summary>The staleness limit for a board whose report states no interval.</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromSeconds(15);

    private readonly object _gate = new();
    private readonly Dictionary<string, Kept> _boards = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _refused = new(StringComparer.Ordinal);

    /// <summary>Told of every refusal: the reason word and a sentence naming the topic (the exporter logs it).</summary>
    public event Action<string, string>? Refused;

    public TopicTree Topics => topics;

    /// <summary>One board as the store keeps it: its last report, when it came, and how many came.</summary>
    public sealed record BoardEntry(string Board, BoardMetricsReport Report, TimeSpan Age, bool Fresh, long Accepted, TimeSpan StaleAfter);

    public ReportVerdict Offer(string topic, byte[] payload)
    {
        if (!topics.TryParse(topic, out ParsedTopic? parsed) || parsed!.Kind != TopicKind.BoardMetrics)
        {
            return ReportVerdict.NotAReport;
        }

        SealVerdict seal = seals.Check(topic, TopicKind.BoardMetrics, parsed.Name, payload, out _, out string detail);
        if (seal != SealVerdict.Sealed)
        {
            return Refuse(SealedChannel.VerdictWord(seal), topic, detail);
        }

        if (!MessageCodec.TryDecode(payload, out BoardMetricsReport? report, out CodecError? error) || report is null)
        {
            return Refuse("undecodable", topic, error?.ToString() ?? "not a metrics report");
        }

        if (report.Board != parsed.Name)
        {
            return Refuse("wrong-board", topic, $"the report names board '{report.Board}'");
        }

        long skew = report.Timestamp - time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Math.Abs(skew) > MaxClockSkewMs)
        {
            return Refuse("stale", topic, $"its ts is {skew} ms from this clock, beyond the {MaxClockSkewMs} ms allowed");
        }

        lock (_gate)
        {
            long accepted = _boards.TryGetValue(report.Board, out Kept? old) ? old.Accepted : 0;
            _boards[report.Board] = new Kept(report, time.GetTimestamp(), accepted + 1);
        }

        return ReportVerdict.Accepted;
    }

    /// <summary>Every board heard from since start, by name.</summary>
    public IReadOnlyList<BoardEntry> Boards()
    {
        lock (_gate)
        {
            return _boards.OrderBy(b => b.Key, StringComparer.Ordinal).Select(b => Entry(b.Key, b.Value)).ToList();
        }
    }

    public BoardEntry? Board(string board)
    {
        lock (_gate)
        {
            return _boards.TryGetValue(board, out Kept? kept) ? Entry(board, kept) : null;
        }
    }

    /// <summary>Refusals since start by reason word (unsealed, bad-seal, replayed, ..., undecodable, wrong-board, stale).</summary>
    public IReadOnlyDictionary<string, long> RefusedByReason()
    {
        lock (_gate)
        {
            return new Dictionary<string, long>(_refused, StringComparer.Ordinal);
        }
    }

    private BoardEntry Entry(string board, Kept kept)
    {
        TimeSpan age = time.GetElapsedTime(kept.ReceivedAt);
        TimeSpan limit = staleAfter ?? (kept.Report.IntervalMs > 0 ? TimeSpan.FromMilliseconds(3.0 * kept.Report.IntervalMs) : DefaultStaleAfter);
        return new BoardEntry(board, kept.Report, age, age < limit, kept.Accepted, limit);
    }

    private ReportVerdict Refuse(string reason, string topic, string detail)
    {
        lock (_gate)
        {
            _refused[reason] = _refused.GetValueOrDefault(reason) + 1;
        }

        Refused?.Invoke(reason, $"metrics report on {topic}: {reason}: {detail}");
        return ReportVerdict.Refused;
    }

    private sealed record Kept(BoardMetricsReport Report, long ReceivedAt, long Accepted);
}
