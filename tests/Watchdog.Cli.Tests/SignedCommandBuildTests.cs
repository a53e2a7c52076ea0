namespace Watchdog.Cli.Tests;

/// <summary>What watchdogctl signs must be what a board accepts, and nothing else.</summary>
public class SignedCommandBuildTests
{
    private static readonly ClusterKey Key = ClusterKey.Generate("k1");

    private static CommandVerifier Verifier(ClusterKey key)
    {
        var ring = KeyFileReader.ToKeyRing([key]);
        return new CommandVerifier(ring, new PortableHmacSha256(), 64, 5_000);
    }

    [Fact]
    public void A_built_command_is_accepted_once_by_the_verifier()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var command = SignedCommands.Build(CommandAction.Fence, "db1", null, 7, now, 30, Key);
        var verifier = Verifier(Key);

        Assert.Equal(CommandVerdict.Accepted, verifier.Verify(command, 7, now + 100));
        Assert.Equal(CommandVerdict.Replayed, verifier.Verify(command, 7, now + 200));
    }

    [Fact]
    public void Tampering_a_signed_field_breaks_the_signature()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var command = SignedCommands.Build(CommandAction.Switchover, "db", "db2", 3, now, 30, Key);
        command.Argument = "db1";
        Assert.Equal(CommandVerdict.BadSignature, Verifier(Key).Verify(command, 3, now));
    }

    [Fact]
    public void Another_clusters_key_is_unknown_and_an_old_epoch_is_stale()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var foreign = SignedCommands.Build(CommandAction.Reset, "db1", null, 3, now, 30, ClusterKey.Generate("other"));
        Assert.Equal(CommandVerdict.UnknownKey, Verifier(Key).Verify(foreign, 3, now));

        var stale = SignedCommands.Build(CommandAction.Reset, "db1", null, 2, now, 30, Key);
        Assert.Equal(CommandVerdict.StaleEpoch, Verifier(Key).Verify(stale, 3, now));
    }
}
