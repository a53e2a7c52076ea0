using Npgsql;

namespace Watchdog.Postgres;

/// <summary>What a fault cost in data and in write availability, measured against the new primary.</summary>
public sealed record RpoResult
{
    /// <summary>Acknowledged rows missing on the new primary: commits the client was told are safe, lost.</summary>
    public required int RpoRows { get; init; }

    /// <summary>From the first to the last acknowledgement of a missing row (0 with one or none missing), in ms.</summary>
    public required long RpoSpanMs { get; init; }

    /// <summary>First acknowledgement after the fault minus the fault's time, in ms; null when no write was acknowledged after it.</summary>
    public required long? WriteOutageMs { get; init; }

    /// <summary>How many rows were acknowledged in all.</summary>
    public required int Acked { get; init; }

    /// <summary>The first 20 missing row numbers, for a report.</summary>
    public required IReadOnlyList<long> Missing { get; init; }

    public override string ToString() =>
        $"rpo_rows={RpoRows} (span {RpoSpanMs} ms{(Missing.Count > 0 ? ", first missing: " + string.Join(",", Missing) : "")}), " +
        $"write outage {(WriteOutageMs is long ms ? ms + " ms" : "unbounded (no ack after the fault)")}, acked {Acked}";
}

/// <summary>Counts an <see cref="RpoLog"/> against what the new primary has.</summary>
public static class RpoReport
{
    private const int MissingListed = 20;

    /// <param name="log">What the writer saw.</param>
    /// <param name="newPrimaryConnectionString">The primary after the failover (not a standby that may lag).</param>
    /// <param name="faultWallMs">When the fault was injected: Unix time in milliseconds.</param>
    public static async Task<RpoResult> CountAsync(RpoLog log, string newPrimaryConnectionString, long faultWallMs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        var present = new HashSet<long>();
        await using (var connection = new NpgsqlConnection(newPrimaryConnectionString))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"SELECT n FROM {RpoWriter.Table}", connection);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                present.Add(reader.GetInt64(0));
            }
        }

        return Count(log, present, faultWallMs);
    }

    /// <summary>The arithmetic, given the row numbers the new primary holds.</summary>
    public static RpoResult Count(RpoLog log, IReadOnlySet<long> present, long faultWallMs)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(present);
        List<RpoAck> missing = [.. log.Acked.Where(a => !present.Contains(a.N))];
        RpoAck? firstAfterFault = log.Acked.Where(a => a.AckWallMs >= faultWallMs).Select(a => (RpoAck?)a).FirstOrDefault();
        return new RpoResult
        {
            RpoRows = missing.Count,
            RpoSpanMs = missing.Count == 0 ? 0 : missing.Max(a => a.AckWallMs) - missing.Min(a => a.AckWallMs),
            WriteOutageMs = firstAfterFault is RpoAck ack ? ack.AckWallMs - faultWallMs : null,
            Acked = log.Acked.Count,
            Missing = [.. missing.Take(MissingListed).Select(a => a.N)],
        };
    }
}
