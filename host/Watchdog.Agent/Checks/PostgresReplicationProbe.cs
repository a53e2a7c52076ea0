using System.Globalization;
using Npgsql;
using Watchdog.Postgres;

namespace Watchdog.Agent.Checks;

/// <summary>
/// Is this node's PostgreSQL ready to be, or stay, the active (kind "postgres"). Reads the local
/// server; on a standby also asks the primary it replicates from (the WAL receiver's sender, else
/// primary_conninfo's host) how it sees this standby, within PrimaryTimeoutMs so that a primary
/// that hangs still leaves time for a verdict. The primary's last answer is remembered: when the
/// primary is gone, that is all a standby can know about its sync state, and the detail says the
/// verdict rests on it and how old it is. The decision itself is <see cref="ReplicationHealth.Decide"/>.
/// </summary>
public sealed class PostgresReplicationProbe : IProbe
{
    private readonly NpgsqlDataSource _local;
    private readonly string _connectionString;
    private readonly ReplicationLimits _limits;
    private readonly int _primaryTimeoutMs;
    private readonly string _applicationName;
    private readonly TimeProvider _time;
    private readonly long _epoch;
    private NpgsqlDataSource? _primary;
    private string _primaryTarget = "";
    private PrimaryWord? _lastWord;

    /// <param name="connectionString">Npgsql connection string of the local server; its credentials are also used at the primary.</param>
    /// <param name="applicationName">The name the primary lists this standby under; "" reads it from the standby's settings.</param>
    public PostgresReplicationProbe(string connectionString, ReplicationLimits limits, int primaryTimeoutMs, string applicationName, TimeProvider time)
    {
        _connectionString = connectionString;
        _limits = limits;
        _primaryTimeoutMs = primaryTimeoutMs;
        _applicationName = applicationName;
        _time = time;
        _epoch = time.GetTimestamp();
        var builder = new NpgsqlSlimDataSourceBuilder(connectionString);
        // The runner cancels at TimeoutMs; without this Npgsql would wait for the server to
        // confirm the cancel (2 s by default), which a frozen server never does.
        builder.ConnectionStringBuilder.CancellationTimeout = -1;
        _local = builder.Build();
    }

    /// <summary>The primary's last answer, null before the first (for tests and diagnostics).</summary>
    public PrimaryWord? LastWord => _lastWord;

    public async Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        long started = _time.GetTimestamp();
        LocalReading local;
        try
        {
            local = await Bounded(ReadLocalAsync(ct), ct).ConfigureAwait(false);
        }
        catch (NpgsqlException) when (ct.IsCancellationRequested)
        {
            // The runner's deadline, however Npgsql wraps it: the runner reports "timed out".
            throw new OperationCanceledException(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return ProbeOutcome.Fail("local PostgreSQL did not answer: " + Describe(ex));
        }

        if (!local.InRecovery)
        {
            // A primary now: what its former primary said is no evidence once it rejoins as a standby.
            _lastWord = null;
        }

        PrimaryContact contact = local.InRecovery ? await AskPrimaryAsync(local, ct).ConfigureAwait(false) : new PrimaryContact();
        string name = _applicationName.Length > 0 ? _applicationName : local.ApplicationName;
        ReplicationVerdict v = ReplicationHealth.Decide(local with { ApplicationName = name }, contact, NowMs(), _limits);
        double ms = Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1);
        string detail = v.Detail + " (probe " + ms.ToString(CultureInfo.InvariantCulture) + " ms)";
        return v.Ready ? ProbeOutcome.Pass(detail, ms) : ProbeOutcome.Fail(detail, ms);
    }

    private async Task<PrimaryContact> AskPrimaryAsync(LocalReading local, CancellationToken ct)
    {
        (string host, int port) = Target(local);
        if (host.Length == 0)
        {
            return new PrimaryContact { Target = "(unknown)", Error = "no WAL receiver and no host in primary_conninfo", Last = _lastWord };
        }

        string target = host + ":" + port.ToString(CultureInfo.InvariantCulture);
        NpgsqlDataSource source = PrimarySource(host, port, target);
        string name = _applicationName.Length > 0 ? _applicationName : local.ApplicationName;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(ct);
        budget.CancelAfter(_primaryTimeoutMs);
        try
        {
            _lastWord = await Bounded(AskAsync(source, name, budget.Token), budget.Token).ConfigureAwait(false);
            return new PrimaryContact { Target = target, ReachedNow = true, Last = _lastWord };
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or NpgsqlException)
        {
            throw new OperationCanceledException(ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // Npgsql reports a cancelled connect as an NpgsqlException with a cancellation inside.
            string why = budget.IsCancellationRequested ? "no answer within PrimaryTimeoutMs " + _primaryTimeoutMs : Describe(ex);
            return new PrimaryContact { Target = target, Error = why, Last = _lastWord };
        }
    }

    private async Task<LocalReading> ReadLocalAsync(CancellationToken ct)
    {
        await using NpgsqlConnection conn = await _local.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReplicationHealth.ReadLocalAsync(conn, ct).ConfigureAwait(false);
    }

    private async Task<PrimaryWord> AskAsync(NpgsqlDataSource source, string name, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await source.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReplicationHealth.AskPrimaryAsync(conn, name, NowMs(), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Returns at the deadline even when Npgsql does not: with the local server frozen (SIGSTOP)
    /// and a pooled connection, the probe was measured returning 35 s after a 1 s TimeoutMs
    /// (CancellationTimeout -1 notwithstanding), and the runner reports a timeout only once the
    /// probe returns, keeping the old verdict meanwhile. The abandoned work ends on its own
    /// (CommandTimeout, or the server waking up); its error is observed here.
    /// </summary>
    private static async Task<T> Bounded<T>(Task<T> work, CancellationToken ct)
    {
        try
        {
            return await work.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && !work.IsCompleted)
        {
            _ = work.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Where to ask: the running receiver's sender, else primary_conninfo, else where we asked last.</summary>
    private (string Host, int Port) Target(LocalReading local)
    {
        if (local.SenderHost.Length > 0)
        {
            return (local.SenderHost, local.SenderPort > 0 ? local.SenderPort : 5432);
        }

        string host = Conninfo.Get(local.PrimaryConninfo, "host");
        if (host.Length == 0)
        {
            host = Conninfo.Get(local.PrimaryConninfo, "hostaddr");
        }

        // libpq takes a comma list of hosts; the first is the one a plain setup names.
        host = host.Split(',')[0];
        if (host.Length > 0)
        {
            string portText = Conninfo.Get(local.PrimaryConninfo, "port").Split(',')[0];
            return (host, int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) ? port : 5432);
        }

        int colon = _primaryTarget.LastIndexOf(':');
        return colon > 0 ? (_primaryTarget[..colon], int.Parse(_primaryTarget[(colon + 1)..], CultureInfo.InvariantCulture)) : ("", 0);
    }

    private NpgsqlDataSource PrimarySource(string host, int port, string target)
    {
        if (_primary != null && _primaryTarget == target)
        {
            return _primary;
        }

        _primary?.Dispose();
        var builder = new NpgsqlSlimDataSourceBuilder(_connectionString);
        NpgsqlConnectionStringBuilder cs = builder.ConnectionStringBuilder;
        cs.Host = host;
        cs.Port = port;
        // A fresh connection per probe: that the primary still accepts one is part of the answer,
        // and no idle connection is left on a server that may be about to be fenced.
        cs.Pooling = false;
        cs.Timeout = Math.Max(1, (_primaryTimeoutMs + 999) / 1000);
        cs.CancellationTimeout = -1;
        _primary = builder.Build();
        _primaryTarget = target;
        return _primary;
    }

    private long NowMs() => (long)_time.GetElapsedTime(_epoch).TotalMilliseconds;

    private static string Describe(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState + ": " + pg.MessageText,
        _ when ex.InnerException != null && ex.InnerException is not OperationCanceledException => ex.Message + " (" + ex.InnerException.Message + ")",
        _ => ex.Message,
    };

    public void Dispose()
    {
        _local.Dispose();
        _primary?.Dispose();
    }
}
