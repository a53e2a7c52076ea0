using System.Globalization;

namespace Watchdog.Bench.Patroni;

/// <summary>
/// Patroni's timing for a comparison, in whole seconds (Patroni's own unit), and whether it runs
/// in synchronous mode. The three timings are Patroni's dynamic configuration (the DCS keys
/// ttl, loop_wait, retry_timeout):
/// <list type="bullet">
/// <item>ttl: how long the leader key lives without being refreshed; the standby cannot take the
/// lock before it expires, so it bounds detection from below.</item>
/// <item>loop_wait: the sleep between two HA cycles; the leader refreshes the key once a cycle and a
/// standby notices an expired key at its next cycle.</item>
/// <item>retry_timeout: how long a DCS or PostgreSQL call is retried before giving up; a primary that
/// cannot reach the DCS for that long demotes itself.</item>
/// </list>
/// Patroni's documented rule is loop_wait + 2 * retry_timeout &lt;= ttl: a primary cut off from
/// the DCS right after a refresh must give up (one loop plus the retries of the update and of the
/// read that precedes it) before its key expires and a standby may promote; otherwise two
/// primaries accept writes for the difference. Patroni 3.0.2 does not check it (its config.py
/// takes any integers), so <see cref="Validate"/> does, and the bench refuses a tuning that breaks it.
/// </summary>
/// <param name="Name">The peer's name in reports, e.g. "patroni-defaults".</param>
/// <param name="TtlSeconds">The leader key's time to live.</param>
/// <param name="LoopWaitSeconds">The sleep between HA cycles.</param>
/// <param name="RetryTimeoutSeconds">How long DCS and PostgreSQL calls are retried.</param>
/// <param name="SynchronousMode">Patroni's synchronous_mode: the primary names the standby in
/// synchronous_standby_names and only a standby listed as synchronous may be promoted.</param>
public sealed record PatroniTuning(string Name, int TtlSeconds, int LoopWaitSeconds, int RetryTimeoutSeconds, bool SynchronousMode = false)
{
    /// <summary>What Debian's Patroni does when nothing is set (patroni/config.py: ttl 30, loop_wait 10, retry_timeout 10).</summary>
    public static PatroniTuning Defaults { get; } = new("patroni-defaults", 30, 10, 10);

    /// <summary>
    /// The tuned setting: ttl 20, loop_wait 2, retry_timeout 5 (2 + 2 * 5 = 12 &lt;= 20). Why these:
    /// ttl 20 is the lowest Patroni's later releases accept (they raise anything below it to 20;
    /// 3.0.2 would take less, but we do not credit Patroni with a setting its maintainers have
    /// since ruled out). loop_wait 2 makes a standby notice the expired key within 2 s instead of
    /// 10 (and the leader refresh it every 2 s), for five times the etcd and REST traffic, which
    /// two nodes do not feel. retry_timeout 5 keeps 5 s of tolerance for a slow etcd or PostgreSQL
    /// call on a loaded 2-core machine (the later minimum is 3; below ~5 a busy moment alone makes
    /// the primary demote itself), and the rule keeps 8 s to spare: a primary cut off from etcd
    /// demotes well before its key can expire.
    /// </summary>
    public static PatroniTuning Tuned { get; } = new("patroni-tuned", 20, 2, 5);

    /// <summary>Patroni's later releases raise a smaller ttl to this.</summary>
    public const int MinTtlSeconds = 20;

    /// <summary>The same timing in synchronous mode (or not); the name says which.</summary>
    public PatroniTuning WithSynchronousMode(bool synchronous) =>
        this with
        {
            SynchronousMode = synchronous,
            Name = synchronous ? BaseName + "-sync" : BaseName,
        };

    private string BaseName => Name.EndsWith("-sync", StringComparison.Ordinal) ? Name[..^"-sync".Length] : Name;

    /// <summary>
    /// Refuses what Patroni 3.0.2 would accept but fail over badly with: loop_wait + 2 *
    /// retry_timeout above ttl, and values below the minimums its later releases enforce
    /// (ttl 20, loop_wait 1, retry_timeout 3; they raise smaller values silently).
    /// </summary>
    /// <exception cref="ArgumentException">The tuning breaks a rule; the message names it and the numbers.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("a Patroni tuning needs a name (it labels every result row)");
        }

        if (TtlSeconds < MinTtlSeconds || LoopWaitSeconds < 1 || RetryTimeoutSeconds < 3)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Patroni tuning '{Name}': need ttl >= {MinTtlSeconds} s, loop_wait >= 1 s and retry_timeout >= 3 s (Patroni's later minimums); got ttl {TtlSeconds}, loop_wait {LoopWaitSeconds}, retry_timeout {RetryTimeoutSeconds}"));
        }

        int needed = LoopWaitSeconds + (2 * RetryTimeoutSeconds);
        if (needed > TtlSeconds)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Patroni tuning '{Name}' breaks Patroni's rule loop_wait + 2 * retry_timeout <= ttl: {LoopWaitSeconds} + 2 * {RetryTimeoutSeconds} = {needed} s > ttl {TtlSeconds} s (a primary cut off from etcd would still take writes after a standby promoted; Patroni 3.0.2 does not check this)"));
        }
    }

    /// <summary>Parses defaults, tuned, their -sync forms, or ttl=T,loop_wait=L,retry_timeout=R[,sync] (checked by <see cref="Validate"/>).</summary>
    public static PatroniTuning Parse(string text)
    {
        PatroniTuning tuning = text switch
        {
            "defaults" => Defaults,
            "tuned" => Tuned,
            "defaults-sync" => Defaults.WithSynchronousMode(true),
            "tuned-sync" => Tuned.WithSynchronousMode(true),
            _ => ParseCustom(text),
        };
        tuning.Validate();
        return tuning;
    }

    private static PatroniTuning ParseCustom(string text)
    {
        int? ttl = null, loop = null, retry = null;
        bool sync = false;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "sync")
            {
                sync = true;
                continue;
            }

            string[] pair = part.Split('=', 2);
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                throw new ArgumentException($"Patroni tuning '{text}': '{part}' is not key=whole-seconds; known: defaults, tuned, defaults-sync, tuned-sync, or ttl=T,loop_wait=L,retry_timeout=R[,sync]");
            }

            switch (pair[0])
            {
                case "ttl": ttl = value; break;
                case "loop_wait": loop = value; break;
                case "retry_timeout": retry = value; break;
                default: throw new ArgumentException($"Patroni tuning '{text}': unknown key '{pair[0]}'; known: ttl, loop_wait, retry_timeout, sync");
            }
        }

        if (ttl is null || loop is null || retry is null)
        {
            throw new ArgumentException($"Patroni tuning '{text}': give all of ttl, loop_wait and retry_timeout");
        }

        string name = string.Create(CultureInfo.InvariantCulture, $"patroni-ttl{ttl}-loop{loop}-retry{retry}");
        return new PatroniTuning(name, ttl.Value, loop.Value, retry.Value).WithSynchronousMode(sync);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} (ttl {TtlSeconds} s, loop_wait {LoopWaitSeconds} s, retry_timeout {RetryTimeoutSeconds} s, synchronous_mode {(SynchronousMode ? "on" : "off")})");
}
