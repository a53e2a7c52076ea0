namespace Watchdog.Protocol.Tests.Codec;

/// <summary>docs/protocol.md quotes the wire format; these checks keep it from drifting.</summary>
public class ProtocolDocTests
{
    private static string Doc()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Watchdog.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return File.ReadAllText(Path.Combine(dir!.FullName, "docs", "protocol.md"));
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Every_golden_message_is_quoted_verbatim(CodecCase c)
    {
        Assert.Contains("```json\n" + File.ReadAllText(c.GoldenPath) + "\n```", Doc(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_error_sentences_are_real()
    {
        var doc = Doc();
        static string Parse(string json) => Parse8(Encoding.UTF8.GetBytes(json));
        static string Parse8(byte[] bytes)
        {
            Assert.False(JsonParser.TryParse(bytes, 0, bytes.Length, JsonLimits.Default, out _, out var e));
            return e!.Text;
        }

        static string Grant(string json)
        {
            Assert.False(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(json), out Grant? _, out var e));
            return e!.Text;
        }

        var examples = new[]
        {
            Parse("\"" + new string('x', 9000) + "\""),
            Parse8([0x22, 0xC0, 0xAF, 0x22]),
            Parse("{\"a\" 1}"),
            Parse(new string('[', 17)),
            Parse("\"" + new string('x', 2049) + "\""),
            Grant("{\"group\":\"db\",\"node\":\"db2\",\"role\":\"active\",\"ts\":1}"),
            Grant("{\"group\":\"db\",\"node\":\"db2\",\"role\":\"active\",\"epoch\":\"7\",\"ts\":1}"),
            Grant("{\"group\":\"db\",\"node\":\"db2\",\"role\":\"leader\",\"epoch\":7,\"ts\":1}"),
        };
        foreach (var text in examples)
        {
            Assert.True(doc.Contains("`" + text + "`", StringComparison.Ordinal), "docs/protocol.md lacks the example `" + text + "`");
        }

        Assert.False(MessageCodec.TryDecode("{\"board\":\"b\",\"status\":\"ready\",\"epoch\":1,\"channels\":-1,\"ts\":1}"u8.ToArray(), out BoardStatus? _, out var error));
        Assert.Contains("`" + error!.Text + "`", doc, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_verdict_word_is_explained()
    {
        var doc = Doc();
        foreach (var word in WireWords.AllCommandVerdicts())
        {
            Assert.Contains("| `" + word + "` |", doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_required_field_is_marked_required_in_its_table()
    {
        var doc = Doc();
        foreach (var c in CodecCase.All)
        {
            foreach (var field in c.Required)
            {
                Assert.Matches(@"\| `" + field + @"` \| [^|]+ \| req \|", doc);
            }
        }
    }

    [Fact]
    public void The_documented_canonical_form_and_hmac_are_what_the_code_makes()
    {
        var doc = Doc();
        var canonical = CommandCanonicalForm.Build(Samples.SignedCommand);
        Assert.Equal(132, canonical.Length);
        Assert.Contains("(132 bytes)", doc, StringComparison.Ordinal);
        var shell = Encoding.UTF8.GetString(canonical).Replace("\n", "\\n", StringComparison.Ordinal);
        Assert.Contains("printf '" + shell + "'", doc, StringComparison.Ordinal);
        var mac = Hex.Encode(new PortableHmacSha256().Compute(Encoding.ASCII.GetBytes("correct horse battery staple 2026"), canonical));
        Assert.Contains("its HMAC-SHA256 is\n`" + mac + "`", doc, StringComparison.Ordinal);
    }
}
