namespace Watchdog.Postgres.Tests;

/// <summary>The readiness decision, every branch, without a database: a reading in, a verdict out.</summary>
public sealed class ReplicationHealthTests
{
    private const long Now = 100_000;
    private static readonly ReplicationLimits Async = new(MaxLagBytes: 1_000_000, MaxLagMs: 5000, RequireSync: false, MaxContactAgeMs: 30_000);
    private static readonly ReplicationLimits Sync = Async with { RequireSync = true };

    private static LocalReading Streaming(long receive = 50_000_000, long replay = 50_000_000, double replayAgeMs = 60_000) => new()
    {
        InRecovery = true,
        ReceiverStatus = "streaming",
        SenderHost = "10.0.0.1",
        SenderPort = 5432,
        ReceiveLsn = receive,
        ReplayLsn = replay,
        ReplayAgeMs = replayAgeMs,
        ApplicationName = "web2",
    };

    private static PrimaryWord Word(long at = Now, string? state = "streaming", string? sync = "async", long current = 50_000_100, double replayLagMs = -1, string commit = "on") => new()
    {
        AtMs = at,
        CurrentLsn = current,
        State = state,
        SyncState = sync,
        ReplayLagMs = replayLagMs,
        SynchronousCommit = commit,
    };

    private static PrimaryContact Answered(PrimaryWord w) => new() { Target = "10.0.0.1:5432", ReachedNow = true, Last = w };

    private static PrimaryContact Gone(PrimaryWord? last) => new() { Target = "10.0.0.1:5432", Error = "connection refused", Last = last };

    private static ReplicationVerdict Decide(LocalReading l, PrimaryContact c, ReplicationLimits? limits = null) =>
        ReplicationHealth.Decide(l, c, Now, limits ?? Async);

    [Fact]
    public void A_primary_out_of_recovery_is_ready_without_asking_anyone()
    {
        ReplicationVerdict v = Decide(new LocalReading { InRecovery = false }, new PrimaryContact(), Sync);
        Assert.True(v.Ready, v.Detail);
        Assert.StartsWith("primary: not in recovery", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_streaming_standby_within_the_limits_is_ready_and_the_detail_carries_the_numbers()
    {
        ReplicationVerdict v = Decide(Streaming(), Answered(Word()));
        Assert.True(v.Ready, v.Detail);
        Assert.Equal("standby ready | receiver streaming from 10.0.0.1:5432, lag 100 bytes (primary - replayed), 0 ms, 'web2' async (synchronous_commit on) | primary 10.0.0.1:5432 answered now", v.Detail);
    }

    [Fact]
    public void A_receiver_that_does_not_stream_while_the_primary_answers_is_not_ready()
    {
        ReplicationVerdict v = Decide(Streaming() with { ReceiverStatus = null, SenderHost = "" }, Answered(Word(state: null, sync: null)));
        Assert.False(v.Ready);
        Assert.Contains("WAL receiver not running while the primary answers", v.Detail, StringComparison.Ordinal);

        ReplicationVerdict waiting = Decide(Streaming() with { ReceiverStatus = "waiting" }, Answered(Word()));
        Assert.False(waiting.Ready);
        Assert.Contains("WAL receiver waiting", waiting.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_primary_gone_a_recent_last_word_of_streaming_keeps_the_standby_ready_and_says_so()
    {
        LocalReading noReceiver = Streaming() with { ReceiverStatus = null, SenderHost = "" };
        ReplicationVerdict v = Decide(noReceiver, Gone(Word(at: Now - 4000)));
        Assert.True(v.Ready, v.Detail);
        Assert.Contains("did not answer (connection refused); its last word is 4000 ms old", v.Detail, StringComparison.Ordinal);
        Assert.Contains("received - replayed", v.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_primary_gone_an_old_or_missing_last_word_is_not_enough()
    {
        LocalReading noReceiver = Streaming() with { ReceiverStatus = null };
        ReplicationVerdict old = Decide(noReceiver, Gone(Word(at: Now - 30_001)));
        Assert.False(old.Ready);
        Assert.Contains("older than MaxContactAgeMs 30000", old.Detail, StringComparison.Ordinal);

        ReplicationVerdict forever = Decide(noReceiver, Gone(Word(at: Now - 30_001)), Async with { MaxContactAgeMs = 0 });
        Assert.True(forever.Ready, forever.Detail);

        ReplicationVerdict never = Decide(noReceiver, Gone(null));
        Assert.False(never.Ready);
        Assert.Contains("no word from it since the agent started", never.Detail, StringComparison.Ordinal);

        ReplicationVerdict wasNotStreaming = Decide(noReceiver, Gone(Word(at: Now - 1000, state: "catchup")));
        Assert.False(wasNotStreaming.Ready);
        Assert.Contains("the primary's last word had it catchup", wasNotStreaming.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Lag_bytes_count_from_the_primary_position_when_it_answers_and_from_what_was_received_when_not()
    {
        ReplicationVerdict over = Decide(Streaming(), Answered(Word(current: 50_000_000 + 1_000_001)));
        Assert.False(over.Ready);
        Assert.Contains("lag 1000001 bytes > MaxLagBytes 1000000", over.Detail, StringComparison.Ordinal);

        ReplicationVerdict atLimit = Decide(Streaming(), Answered(Word(current: 50_000_000 + 1_000_000)));
        Assert.True(atLimit.Ready, atLimit.Detail);

        LocalReading behind = Streaming(receive: 52_000_000, replay: 50_000_000, replayAgeMs: 10);
        ReplicationVerdict gone = Decide(behind with { ReceiverStatus = null }, Gone(Word(at: Now - 100)));
        Assert.False(gone.Ready);
        Assert.Contains("lag 2000000 bytes > MaxLagBytes", gone.Detail, StringComparison.Ordinal);
        Assert.Contains("(received - replayed)", gone.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Lag_time_counts_only_while_there_is_wal_to_replay()
    {
        // An idle primary: the last replayed commit is a minute old, but nothing waits to be replayed.
        ReplicationVerdict idle = Decide(Streaming(replayAgeMs: 60_000), Answered(Word(current: 50_000_000)));
        Assert.True(idle.Ready, idle.Detail);
        Assert.Contains(", 0 ms,", idle.Detail, StringComparison.Ordinal);

        ReplicationVerdict slow = Decide(Streaming(receive: 50_000_010, replayAgeMs: 5000.5), Answered(Word()));
        Assert.False(slow.Ready);
        Assert.Contains("replay 5000.5 ms behind > MaxLagMs 5000", slow.Detail, StringComparison.Ordinal);

        ReplicationVerdict primarySays = Decide(Streaming(), Answered(Word(replayLagMs: 7000)));
        Assert.False(primarySays.Ready);
        Assert.Contains("replay 7000 ms behind", primarySays.Detail, StringComparison.Ordinal);

        ReplicationVerdict under = Decide(Streaming(receive: 50_000_010, replayAgeMs: 4999), Answered(Word(replayLagMs: 12)));
        Assert.True(under.Ready, under.Detail);
        Assert.Contains(", 4999 ms,", under.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_sync_is_met_only_by_a_standby_the_primary_lists_as_sync()
    {
        Assert.True(Decide(Streaming(), Answered(Word(sync: "sync")), Sync).Ready);

        foreach (string state in new[] { "async", "potential", "quorum" })
        {
            ReplicationVerdict v = Decide(Streaming(), Answered(Word(sync: state)), Sync);
            Assert.False(v.Ready);
            Assert.Contains("the primary lists 'web2' as " + state + ", not sync", v.Detail, StringComparison.Ordinal);
        }

        ReplicationVerdict unlisted = Decide(Streaming(), Answered(Word(state: null, sync: null)), Sync);
        Assert.False(unlisted.Ready);
        Assert.Contains("does not list 'web2'", unlisted.Detail, StringComparison.Ordinal);

        ReplicationVerdict hidden = Decide(Streaming(), Answered(Word(state: "hidden", sync: null)), Sync);
        Assert.False(hidden.Ready);
        Assert.Contains("pg_monitor", hidden.Detail, StringComparison.Ordinal);

        ReplicationVerdict local = Decide(Streaming(), Answered(Word(sync: "sync", commit: "local")), Sync);
        Assert.False(local.Ready);
        Assert.Contains("synchronous_commit = local", local.Detail, StringComparison.Ordinal);

        ReplicationVerdict cascade = Decide(Streaming(), Answered(Word(sync: null, state: null) with { InRecovery = true, CurrentLsn = -1 }), Sync);
        Assert.False(cascade.Ready);
        Assert.Contains("itself in recovery", cascade.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_sync_with_the_primary_gone_rests_on_its_last_word()
    {
        LocalReading noReceiver = Streaming() with { ReceiverStatus = null, SenderHost = "" };
        ReplicationVerdict wasSync = Decide(noReceiver, Gone(Word(at: Now - 2500, sync: "sync")), Sync);
        Assert.True(wasSync.Ready, wasSync.Detail);
        Assert.Contains("'web2' sync", wasSync.Detail, StringComparison.Ordinal);
        Assert.Contains("its last word is 2500 ms old", wasSync.Detail, StringComparison.Ordinal);

        ReplicationVerdict wasAsync = Decide(noReceiver, Gone(Word(at: Now - 2500, sync: "async")), Sync);
        Assert.False(wasAsync.Ready);

        ReplicationVerdict unknown = Decide(noReceiver, Gone(null), Sync);
        Assert.False(unknown.Ready);
        Assert.Contains("RequireSync: sync state unknown (no word from the primary)", unknown.Detail, StringComparison.Ordinal);

        // Streaming locally but the primary refuses the probe: async is fine on local facts, sync is not.
        ReplicationVerdict refusedAsync = Decide(Streaming(), Gone(null));
        Assert.True(refusedAsync.Ready, refusedAsync.Detail);
        Assert.False(Decide(Streaming(), Gone(null), Sync).Ready);
        Assert.False(Decide(Streaming(), Gone(Word(at: Now - 40_000, sync: "sync")), Sync).Ready);
    }

    [Fact]
    public void Paused_replay_and_a_hidden_receiver_are_not_ready_and_every_reason_is_named()
    {
        ReplicationVerdict paused = Decide(Streaming() with { ReplayPaused = true }, Answered(Word()));
        Assert.False(paused.Ready);
        Assert.Contains("replay is paused", paused.Detail, StringComparison.Ordinal);

        ReplicationVerdict hidden = Decide(Streaming() with { ReceiverStatus = null, ReceiverHidden = true }, Answered(Word()));
        Assert.False(hidden.Ready);
        Assert.Contains("cannot see the WAL receiver (grant it pg_monitor)", hidden.Detail, StringComparison.Ordinal);

        ReplicationVerdict all = Decide(Streaming(receive: 60_000_000, replayAgeMs: 9000) with { ReceiverStatus = "waiting", ReplayPaused = true }, Answered(Word(current: 61_000_000, sync: "async")), Sync);
        Assert.False(all.Ready);
        string reasons = all.Detail[..all.Detail.IndexOf(" | ", StringComparison.Ordinal)];
        Assert.Equal(5, reasons.Split("; ").Length);
    }

    [Theory]
    [InlineData("host=10.0.0.1 port=5433 user=postgres application_name=web2", "application_name", "web2")]
    [InlineData("host=10.0.0.1 port=5433", "port", "5433")]
    [InlineData("user=x password='a b\\'c' host = db1", "host", "db1")]
    [InlineData("user=x password='a b\\'c' host = db1", "password", "a b'c")]
    [InlineData("host=db1", "application_name", "")]
    [InlineData("", "host", "")]
    public void Conninfo_reads_libpq_key_value_strings(string conninfo, string key, string expected)
    {
        Assert.Equal(expected, Conninfo.Get(conninfo, key));
    }
}
