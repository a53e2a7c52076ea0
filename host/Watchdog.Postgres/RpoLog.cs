namespace Watchdog.Postgres;

/// <summary>A row the server acknowledged: its commit returned success to the writer.</summary>
/// <param name="N">The row's number (rows are numbered 1, 2, 3, ... in the order written).</param>
/// <param name="Epoch">The epoch the session presented (0 when the writer presents none).</param>
/// <param name="AckWallMs">When the acknowledgement arrived: Unix time in milliseconds.</param>
public readonly record struct RpoAck(long N, long Epoch, long AckWallMs);

/// <summary>An attempt that failed: a connect, the epoch setting or the INSERT of row <paramref name="N"/>.</summary>
/// <param name="N">The row being written; its fate is unknown (it may have committed), so it is never counted as acknowledged.</param>
/// <param name="AtWallMs">When the error was seen: Unix time in milliseconds.</param>
/// <param name="Message">What failed and why, e.g. "insert: 57P01: terminating connection due to administrator command".</param>
public readonly record struct RpoError(long N, long AtWallMs, string Message);

/// <summary>What an <see cref="RpoWriter"/> saw from start to stop.</summary>
public sealed class RpoLog
{
    public RpoLog(IReadOnlyList<RpoAck> acked, IReadOnlyList<RpoError> errors, long lastN)
    {
        Acked = acked;
        Errors = errors;
        LastN = lastN;
    }

    /// <summary>Every acknowledged row, in order.</summary>
    public IReadOnlyList<RpoAck> Acked { get; }

    /// <summary>Every failed attempt, in order.</summary>
    public IReadOnlyList<RpoError> Errors { get; }

    /// <summary>The highest row number tried (acknowledged or not).</summary>
    public long LastN { get; }

    /// <summary>One line for logs: "812 acked of 830 tried, 18 errors (first: ...)".</summary>
    public override string ToString() =>
        $"{Acked.Count} acked of {LastN} tried, {Errors.Count} errors" + (Errors.Count > 0 ? $" (first: {Errors[0].Message})" : "");
}
