using Npgsql;
using Watchdog.Postgres;
using Xunit.Abstractions;

namespace Watchdog.Agent.Tests;

/// <summary>
/// The "postgres" check against a real primary and streaming standby on 127.0.0.1 (PostgreSQL 15,
/// run as the postgres OS user, so root only). Each test starts from a healthy pair and leaves it so.
/// </summary>
[Collection("postgres")]
public sealed class PostgresProbeTests : IClassFixture<PostgresPairFixture>
{
    private const string Why = "runs PostgreSQL as the postgres OS user (it refuses root)";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly ReplicationLimits Loose = new(MaxLagBytes: 16 * 1024 * 1024, MaxLagMs: 10_000, RequireSync: false, MaxContactAgeMs: 30_000);

    private readonly PostgresPairFixture _pair;
    private readonly ITestOutputHelper _out;

    public PostgresProbeTests(PostgresPairFixture pair, ITestOutputHelper output)
    {
        _pair = pair;
        _out = output;
    }

    [RootFact(Why)]
    public async Task A_streaming_standby_is_ready_and_so_is_its_primary()
    {
        PostgresPair p = await _pair.GetAsync();
        using var standby = p.StandbyProbe(Loose);
        using var primary = new PostgresReplicationProbe(p.Primary.ConnectionString(), Loose, 1000, "", TimeProvider.System);

        ProbeOutcome onPrimary = await primary.ProbeAsync(CancellationToken.None);
        Assert.True(onPrimary.Ok, onPrimary.Detail);
        Assert.StartsWith("primary: not in recovery", onPrimary.Detail, StringComparison.Ordinal);

        // Under writes: the lag figures are live numbers, not zeros from an idle pair.
        using var writes = p.WriteInBackground();
        var durations = new List<double>();
        for (int i = 0; i < 10; i++)
        {
            ProbeOutcome o = await standby.ProbeAsync(CancellationToken.None);
            Assert.True(o.Ok, o.Detail);
            Assert.Contains("receiver streaming from 127.0.0.1:" + p.Primary.Options.Port, o.Detail, StringComparison.Ordinal);
            Assert.Contains("'standby' async", o.Detail, StringComparison.Ordinal);
            Assert.Contains("answered now", o.Detail, StringComparison.Ordinal);
            durations.Add(o.LatencyMs);
            _out.WriteLine(o.Detail);
        }

        durations.Sort();
        _out.WriteLine("standby probe ms: min " + durations[0] + ", median " + durations[durations.Count / 2] + ", max " + durations[^1] + "; primary probe " + onPrimary.LatencyMs);
    }

    [RootFact(Why)]
    public async Task Require_sync_refuses_a_standby_the_primary_lists_as_async_and_accepts_it_as_sync()
    {
        PostgresPair p = await _pair.GetAsync();
        using var probe = p.StandbyProbe(Loose with { RequireSync = true });
        ProbeOutcome asAsync = await probe.ProbeAsync(CancellationToken.None);
        Assert.False(asAsync.Ok, asAsync.Detail);
        Assert.Contains("RequireSync: the primary lists 'standby' as async, not sync", asAsync.Detail, StringComparison.Ordinal);

        try
        {
            await p.SetSyncNamesAsync("FIRST 1 (standby)");
            Assert.True(await Poll.UntilAsync(() => probe.ProbeAsync(CancellationToken.None).GetAwaiter().GetResult().Ok, Patience, TimeSpan.FromMilliseconds(200)), "never listed as sync");
            ProbeOutcome asSync = await probe.ProbeAsync(CancellationToken.None);
            _out.WriteLine(asSync.Detail);
            Assert.Contains("'standby' sync (synchronous_commit on)", asSync.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await p.SetSyncNamesAsync("");
        }
    }

    [RootFact(Why)]
    public async Task A_stopped_wal_receiver_is_not_ready_while_the_primary_answers()
    {
        PostgresPair p = await _pair.GetAsync();
        using var probe = p.StandbyProbe(Loose);
        Assert.True((await probe.ProbeAsync(CancellationToken.None)).Ok);

        string conninfo = await p.StandbyScalarAsync<string>("SHOW primary_conninfo");
        try
        {
            // An empty primary_conninfo stops the WAL receiver (PostgreSQL 13+ applies it on reload).
            await p.SetStandbyConninfoAsync("");
            ProbeOutcome? stopped = null;
            Assert.True(await Poll.UntilAsync(() => !(stopped = probe.ProbeAsync(CancellationToken.None).GetAwaiter().GetResult()).Value.Ok, Patience, TimeSpan.FromMilliseconds(200)), "still ready");
            _out.WriteLine(stopped!.Value.Detail);
            Assert.Contains("WAL receiver not running while the primary answers", stopped.Value.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await p.SetStandbyConninfoAsync(conninfo);
        }

        Assert.True(await Poll.UntilAsync(() => probe.ProbeAsync(CancellationToken.None).GetAwaiter().GetResult().Ok, Patience, TimeSpan.FromMilliseconds(200)), "not ready again after the receiver came back");
    }

    [RootFact(Why)]
    public async Task A_standby_far_behind_is_not_ready_until_it_catches_up()
    {
        PostgresPair p = await _pair.GetAsync();
        using var probe = p.StandbyProbe(Loose with { MaxLagBytes = 1024 * 1024 });
        await p.StandbyExecuteAsync("SELECT pg_wal_replay_pause()");
        try
        {
            // About 5 MB of WAL the standby receives but does not replay.
            await p.PrimaryExecuteAsync("CREATE TABLE IF NOT EXISTS bulk (n int, pad text); INSERT INTO bulk SELECT g, repeat('x', 1000) FROM generate_series(1, 5000) g");
            ProbeOutcome? behind = null;
            Assert.True(await Poll.UntilAsync(() => (behind = probe.ProbeAsync(CancellationToken.None).GetAwaiter().GetResult()).Value.Detail.Contains("MaxLagBytes", StringComparison.Ordinal), Patience, TimeSpan.FromMilliseconds(200)), "lag never over the limit");
            _out.WriteLine(behind!.Value.Detail);
            Assert.False(behind.Value.Ok);
            Assert.Contains("replay is paused", behind.Value.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await p.StandbyExecuteAsync("SELECT pg_wal_replay_resume()");
        }

        ProbeOutcome? caughtUp = null;
        Assert.True(await Poll.UntilAsync(() => (caughtUp = probe.ProbeAsync(CancellationToken.None).GetAwaiter().GetResult()).Value.Ok, Patience, TimeSpan.FromMilliseconds(200)), "never caught up");
        _out.WriteLine(caughtUp!.Value.Detail);
    }

    [RootFact(Why)]
    public async Task The_configured_check_fails_at_its_timeout_when_the_local_server_hangs()
    {
        PostgresPair p = await _pair.GetAsync();
        // Pooled, so the hung probe is a query on a reused connection: without the probe's own
        // bound on the wait, this returned after 35 s, not at the 1 s timeout.
        string pooled = new NpgsqlConnectionStringBuilder(p.Standby.ConnectionString()) { Pooling = true }.ConnectionString;
        var options = new CheckOptions { Name = "pg", Kind = "postgres", ConnectionString = pooled, IntervalMs = 5000, TimeoutMs = 1000, PrimaryTimeoutMs = 500, FailThreshold = 1, SuccessThreshold = 1, Required = true };
        var status = new AgentStatus();
        var events = new RecordingEvents();
        using var runner = new CheckRunner(options, ProbeFactory.Create(options, new MetricsOptions(), TimeProvider.System), status, new CheckActions(options, events), TimeProvider.System);
        ProbeOutcome before = await runner.RunOnceAsync(CancellationToken.None);
        Assert.True(before.Ok, before.Detail);
        Assert.True(status.RequiredChecksPass);

        p.Standby.Freeze();
        long hungMs;
        ProbeOutcome hung;
        try
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            hung = await runner.RunOnceAsync(CancellationToken.None);
            hungMs = sw.ElapsedMilliseconds;
        }
        finally
        {
            p.Standby.Thaw();
        }

        _out.WriteLine("local server frozen: " + hung.Detail + " after " + hungMs + " ms");
        Assert.Equal("timed out after 1000 ms", hung.Detail);
        Assert.False(status.RequiredChecksPass);
        Assert.InRange(hungMs, 900, 2500);

        Assert.True(await Poll.UntilAsync(() => runner.RunOnceAsync(CancellationToken.None).GetAwaiter().GetResult().Ok, Patience, TimeSpan.FromMilliseconds(200)), "never passed again after the thaw");
        Assert.True(status.RequiredChecksPass);
    }
}

/// <summary>The standby's view when its primary dies: the verdict rests on the primary's last word.</summary>
[Collection("postgres")]
public sealed class PostgresPrimaryGoneTests
{
    private readonly ITestOutputHelper _out;

    public PostgresPrimaryGoneTests(ITestOutputHelper output)
    {
        _out = output;
    }

    [RootFact("runs PostgreSQL as the postgres OS user (it refuses root)")]
    public async Task A_sync_standby_stays_ready_on_the_last_word_until_it_is_too_old()
    {
        await using PostgresPair p = await PostgresPair.StartAsync(ReplicationMode.Synchronous);
        var limits = new ReplicationLimits(16 * 1024 * 1024, 10_000, RequireSync: true, MaxContactAgeMs: 6000);
        using var probe = p.StandbyProbe(limits);
        Assert.True(await Poll.UntilAsync(() => probe.ProbeAsync(CancellationToken.None).GetAwaiter().GetResult().Ok, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200)), "never ready");
        Assert.Equal("sync", probe.LastWord!.SyncState);

        // A hung primary: the question to it is cut at PrimaryTimeoutMs and the verdict still comes.
        p.Primary.Freeze();
        try
        {
            ProbeOutcome frozen = await probe.ProbeAsync(CancellationToken.None);
            _out.WriteLine("primary frozen: " + frozen.Detail);
            Assert.True(frozen.Ok, frozen.Detail);
            Assert.Contains("no answer within PrimaryTimeoutMs 2000", frozen.Detail, StringComparison.Ordinal);
            Assert.InRange(frozen.LatencyMs, 1900, 20_000);
        }
        finally
        {
            p.Primary.Thaw();
        }

        p.Primary.Kill();
        ProbeOutcome gone = await probe.ProbeAsync(CancellationToken.None);
        _out.WriteLine("primary killed: " + gone.Detail);
        Assert.True(gone.Ok, gone.Detail);
        Assert.Contains("did not answer", gone.Detail, StringComparison.Ordinal);
        Assert.Contains("its last word is", gone.Detail, StringComparison.Ordinal);
        Assert.Contains("'standby' sync", gone.Detail, StringComparison.Ordinal);

        ProbeOutcome? stale = null;
        Assert.True(await Poll.UntilAsync(() => !(stale = probe.ProbeAsync(CancellationToken.None).GetAwaiter().GetResult()).Value.Ok, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200)), "the last word never went stale");
        _out.WriteLine("later: " + stale!.Value.Detail);
        Assert.Contains("older than MaxContactAgeMs 6000", stale.Value.Detail, StringComparison.Ordinal);
    }
}
