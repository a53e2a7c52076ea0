namespace Watchdog.Protocol.Tests.Codec;

/// <summary>Golden/*.json are the documented wire format (docs/protocol.md shows them): the samples must encode to exactly these bytes and decode back.</summary>
public class GoldenTests
{
    [Fact]
    public void There_is_one_golden_file_per_message_type()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden"), "*.json").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(CodecCase.All.Select(c => c.Name).Order().ToArray(), files);
        Assert.Equal(13, files.Length);
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Sample_encodes_to_exactly_the_golden_bytes(CodecCase c)
    {
        var golden = File.ReadAllBytes(c.GoldenPath);
        var encoded = c.Encode(c.Sample);
        Assert.Equal(Encoding.UTF8.GetString(golden), Encoding.UTF8.GetString(encoded));
        Assert.Equal(golden, encoded);
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Golden_decodes_to_the_sample(CodecCase c)
    {
        Assert.True(c.Decode(File.ReadAllBytes(c.GoldenPath), out var message, out var error), error?.Text);
        Assert.Null(error);
        MessageEquality.AssertEqual(c.Sample, message!);
    }

    [Fact]
    public void Golden_command_signature_is_what_the_signer_makes_and_the_verifier_accepts()
    {
        var key = Encoding.ASCII.GetBytes("correct horse battery staple 2026");
        Assert.True(MessageCodec.TryDecode(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Golden", "signed-command.json")), out SignedCommand? command, out _));
        var expected = command!.Signature;

        var copy = Samples.SignedCommand;
        copy.Signature = "";
        new CommandSigner(new PortableHmacSha256()).Sign(copy, "k1", key);
        Assert.Equal(expected, copy.Signature);

        var keys = new KeyRing();
        keys.Add("k1", key);
        var verifier = new CommandVerifier(keys, new PortableHmacSha256(), 8, 2_000);
        Assert.Equal(Wire.CommandVerdict.Accepted, verifier.Verify(command, 7, Samples.Ts + 1_000));
    }
}
