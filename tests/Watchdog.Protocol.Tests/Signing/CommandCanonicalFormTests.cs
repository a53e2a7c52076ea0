namespace Watchdog.Protocol.Tests.Signing;

public class CommandCanonicalFormTests
{
    [Fact]
    public void Matches_the_documented_bytes()
    {
        var c = Codec.Samples.SignedCommand;
        c.Signature = "ignored: the signature is not part of the canonical form";
        var expected =
            "wdcmd1\n" +
            "id=3:c-1\n" +
            "key=2:k1\n" +
            "target=2:db\n" +
            "action=10:switchover\n" +
            "argument=3:db2\n" +
            "epoch=1:7\n" +
            "issued=13:1764097200000\n" +
            "expires=13:1764097230000\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(CommandCanonicalForm.Build(c)));
    }

    [Fact]
    public void Length_prefixes_keep_values_from_running_together()
    {
        // Without the lengths these two would both read "...id=a\nkey=b..." in some form.
        var a = new SignedCommand { Id = "a\nkey=b", KeyId = "", Target = "t" };
        var b = new SignedCommand { Id = "a", KeyId = "b", Target = "t" };
        Assert.NotEqual(CommandCanonicalForm.Build(a), CommandCanonicalForm.Build(b));
    }

    [Fact]
    public void Lengths_count_utf8_bytes_and_negative_numbers_keep_their_sign()
    {
        var c = new SignedCommand { Id = "é", Target = "t", Epoch = -3, IssuedAt = long.MinValue };
        var text = Encoding.UTF8.GetString(CommandCanonicalForm.Build(c));
        Assert.Contains("id=2:é\n", text, StringComparison.Ordinal);
        Assert.Contains("epoch=2:-3\n", text, StringComparison.Ordinal);
        Assert.Contains("issued=20:-9223372036854775808\n", text, StringComparison.Ordinal);
        Assert.Contains("argument=0:\n", text, StringComparison.Ordinal);
    }
}
