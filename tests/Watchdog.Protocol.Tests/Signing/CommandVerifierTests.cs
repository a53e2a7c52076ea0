using Watchdog.Platform.Signing;

namespace Watchdog.Protocol.Tests.Signing;

public class CommandVerifierTests
{
    private const long Now = 1_764_097_200_000;
    private const long Epoch = 7;
    private static readonly byte[] ClusterKey = Encoding.ASCII.GetBytes("correct horse battery staple 2026");

    private readonly PortableHmacSha256 _hmac = new();

    private static SignedCommand Command(string id = "c-1", long issued = Now, long expires = Now + 30_000, long epoch = Epoch) => new()
    {
        Id = id,
        Target = "db",
        Action = CommandAction.Switchover,
        Argument = "db2",
        Epoch = epoch,
        IssuedAt = issued,
        ExpiresAt = expires,
    };

    private SignedCommand Signed(SignedCommand c, string keyId = "k1", byte[]? key = null)
    {
        new CommandSigner(_hmac).Sign(c, keyId, key ?? ClusterKey);
        return c;
    }

    private CommandVerifier Verifier(int window = 4, long skew = 2_000)
    {
        var keys = new KeyRing();
        keys.Add("k1", ClusterKey);
        keys.Add("k2", Encoding.ASCII.GetBytes("the next key"));
        return new CommandVerifier(keys, _hmac, window, skew);
    }

    [Fact]
    public void Signer_sets_key_id_and_a_lower_case_hex_hmac_of_the_canonical_form()
    {
        var c = Signed(Command());
        Assert.Equal("k1", c.KeyId);
        Assert.Equal(Hex.Encode(new PlatformHmacSha256().Compute(ClusterKey, CommandCanonicalForm.Build(c))), c.Signature);
        Assert.Matches("^[0-9a-f]{64}$", c.Signature);
    }

    [Fact]
    public void Accepted()
    {
        var v = Verifier();
        Assert.Equal(CommandVerdict.Accepted, v.Verify(Signed(Command()), Epoch, Now, out var detail));
        Assert.Equal("", detail);

        // A second key of the ring works too, and the platform HMAC gives the same verdicts.
        var v2 = new CommandVerifier(KeysOf(("k2", "the next key")), new PlatformHmacSha256(), 4, 2_000);
        Assert.Equal(CommandVerdict.Accepted, v2.Verify(Signed(Command(), "k2", Encoding.ASCII.GetBytes("the next key")), Epoch, Now));
    }

    private static KeyRing KeysOf(params (string Id, string Key)[] keys)
    {
        var ring = new KeyRing();
        foreach (var (id, key) in keys)
        {
            ring.Add(id, Encoding.ASCII.GetBytes(key));
        }

        return ring;
    }

    [Theory]
    [InlineData("id", "id is missing")]
    [InlineData("target", "target is missing")]
    [InlineData("key", "key_id is missing")]
    [InlineData("signature", "signature is missing")]
    [InlineData("signature-short", "64 hex digits")]
    [InlineData("signature-nonhex", "64 hex digits")]
    [InlineData("expires-before", "expires must be later than issued")]
    [InlineData("expires-equal", "expires must be later than issued")]
    [InlineData("lifetime", "longer than the maximum of 600000 ms")]
    [InlineData("negative", "issued must not be negative")]
    [InlineData("action", "not a known action")]
    [InlineData("long-id", "id is longer than 128")]
    public void Malformed(string defect, string fragment)
    {
        var c = defect switch
        {
            "expires-before" => Signed(Command(expires: Now - 1)),
            "expires-equal" => Signed(Command(expires: Now)),
            "lifetime" => Signed(Command(expires: Now + CommandVerifier.MaxLifetimeMs + 1)),
            "negative" => Signed(Command(issued: -5, expires: 10)),
            "long-id" => Signed(Command(id: new string('x', 129))),
            _ => Signed(Command()),
        };
        switch (defect)
        {
            case "id": c.Id = ""; break;
            case "target": c.Target = ""; break;
            case "key": c.KeyId = ""; break;
            case "signature": c.Signature = ""; break;
            case "signature-short": c.Signature = c.Signature[..62]; break;
            case "signature-nonhex": c.Signature = "zz" + c.Signature[2..]; break;
            case "action": c.Action = (CommandAction)99; break;
        }

        Assert.Equal(CommandVerdict.Malformed, Verifier().Verify(c, Epoch, Now, out var detail));
        Assert.Contains(fragment, detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lifetime_of_exactly_ten_minutes_is_allowed()
    {
        Assert.Equal(CommandVerdict.Accepted, Verifier().Verify(Signed(Command(expires: Now + CommandVerifier.MaxLifetimeMs)), Epoch, Now));
    }

    [Fact]
    public void UnknownKey()
    {
        var c = Signed(Command(), "k9", Encoding.ASCII.GetBytes("some other key"));
        Assert.Equal(CommandVerdict.UnknownKey, Verifier().Verify(c, Epoch, Now, out var detail));
        Assert.Contains("'k9'", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void BadSignature_for_a_wrong_key()
    {
        var c = Signed(Command(), "k1", Encoding.ASCII.GetBytes("a guessed key"));
        Assert.Equal(CommandVerdict.BadSignature, Verifier().Verify(c, Epoch, Now));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("key")]
    [InlineData("target")]
    [InlineData("action")]
    [InlineData("argument")]
    [InlineData("epoch")]
    [InlineData("issued")]
    [InlineData("expires")]
    [InlineData("signature")]
    public void BadSignature_when_any_signed_field_is_changed(string field)
    {
        var c = Signed(Command());
        switch (field)
        {
            case "id": c.Id = "c-2"; break;
            case "key": c.KeyId = "k2"; break;
            case "target": c.Target = "web"; break;
            case "action": c.Action = CommandAction.Fence; break;
            case "argument": c.Argument = "db1"; break;
            case "epoch": c.Epoch = Epoch + 1; break;
            case "issued": c.IssuedAt -= 1; break;
            case "expires": c.ExpiresAt += 1; break;
            case "signature": c.Signature = (c.Signature[0] == '0' ? "1" : "0") + c.Signature[1..]; break;
        }

        // Verify at the changed epoch, so only the signature can be the reason.
        Assert.Equal(CommandVerdict.BadSignature, Verifier().Verify(c, c.Epoch, Now));
    }

    [Fact]
    public void NotYetValid_beyond_the_clock_skew()
    {
        var v = Verifier(skew: 2_000);
        Assert.Equal(CommandVerdict.NotYetValid, v.Verify(Signed(Command(issued: Now + 2_001, expires: Now + 60_000)), Epoch, Now, out var detail));
        Assert.Contains("2001 ms in the future", detail, StringComparison.Ordinal);
        Assert.Equal(CommandVerdict.Accepted, v.Verify(Signed(Command(id: "c-2", issued: Now + 2_000, expires: Now + 60_000)), Epoch, Now));
    }

    [Fact]
    public void Expired_after_expires_at()
    {
        var v = Verifier();
        Assert.Equal(CommandVerdict.Expired, v.Verify(Signed(Command(issued: Now - 60_000, expires: Now - 1)), Epoch, Now));
        Assert.Equal(CommandVerdict.Accepted, v.Verify(Signed(Command(issued: Now - 60_000, expires: Now)), Epoch, Now));
    }

    [Fact]
    public void StaleEpoch_for_an_older_or_newer_epoch()
    {
        var v = Verifier();
        Assert.Equal(CommandVerdict.StaleEpoch, v.Verify(Signed(Command(epoch: Epoch - 1)), Epoch, Now, out var detail));
        Assert.Contains("epoch 6 but the current epoch is 7", detail, StringComparison.Ordinal);
        Assert.Equal(CommandVerdict.StaleEpoch, v.Verify(Signed(Command(epoch: Epoch + 1)), Epoch, Now));
    }

    [Fact]
    public void Replayed_and_only_accepted_ids_are_remembered()
    {
        var v = Verifier();
        var c = Signed(Command());
        Assert.Equal(CommandVerdict.Accepted, v.Verify(c, Epoch, Now));
        Assert.Equal(CommandVerdict.Replayed, v.Verify(c, Epoch, Now + 1_000));

        // A refused command does not use up its id: the same id, once valid, is accepted.
        var stale = Signed(Command(id: "c-9", epoch: Epoch - 1));
        Assert.Equal(CommandVerdict.StaleEpoch, v.Verify(stale, Epoch, Now));
        Assert.Equal(CommandVerdict.Accepted, v.Verify(Signed(Command(id: "c-9")), Epoch, Now));
    }

    [Fact]
    public void Replay_window_evicts_the_oldest_id()
    {
        var v = Verifier(window: 3);
        Assert.Equal(3, v.ReplayWindow);
        foreach (var id in new[] { "a", "b", "c" })
        {
            Assert.Equal(CommandVerdict.Accepted, v.Verify(Signed(Command(id: id)), Epoch, Now));
        }

        // All three are remembered.
        Assert.Equal(CommandVerdict.Replayed, v.Verify(Signed(Command(id: "a")), Epoch, Now));

        // A fourth pushes out "a" (the oldest); "b" and "c" are still refused.
        Assert.Equal(CommandVerdict.Accepted, v.Verify(Signed(Command(id: "d")), Epoch, Now));
        Assert.Equal(CommandVerdict.Replayed, v.Verify(Signed(Command(id: "b")), Epoch, Now));
        Assert.Equal(CommandVerdict.Replayed, v.Verify(Signed(Command(id: "c")), Epoch, Now));
        Assert.Equal(CommandVerdict.Accepted, v.Verify(Signed(Command(id: "a")), Epoch, Now));
    }

    [Fact]
    public void Replayed_when_issued_before_the_replay_memory_began()
    {
        // After a restart the ring is empty; the glue sets IssuedNotBefore to its start time.
        var v = Verifier();
        v.IssuedNotBefore = Now;
        Assert.Equal(CommandVerdict.Replayed, v.Verify(Signed(Command(issued: Now - 1)), Epoch, Now + 5, out var detail));
        Assert.Contains("before the replay memory began", detail, StringComparison.Ordinal);
        Assert.Equal(CommandVerdict.Accepted, v.Verify(Signed(Command(issued: Now)), Epoch, Now + 5));
    }

    [Fact]
    public void Constructor_refuses_nonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommandVerifier(new KeyRing(), _hmac, 0, 1_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CommandVerifier(new KeyRing(), _hmac, 8, -1));
    }

    [Fact]
    public void Key_ring_adds_replaces_finds_and_removes()
    {
        var ring = new KeyRing();
        ring.Add("a", [1, 2]);
        ring.Add("b", [3]);
        ring.Add("c", [4]);
        ring.Add("a", [9]);
        Assert.Equal(3, ring.Count);
        Assert.Equal(new byte[] { 9 }, ring.Find("a"));
        Assert.Null(ring.Find("zz"));
        Assert.True(ring.Remove("b"));
        Assert.False(ring.Remove("b"));
        Assert.Equal(2, ring.Count);
        Assert.Equal(new byte[] { 4 }, ring.Find("c"));
        Assert.Throws<ArgumentException>(() => ring.Add("", [1]));
        Assert.Throws<ArgumentException>(() => ring.Add("x", []));
    }
}
