namespace Watchdog.Protocol.Tests.Json;

public class JsonParserTests
{
    private static JsonNode Parse(string json, JsonLimits? limits = null)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.True(JsonParser.TryParse(bytes, 0, bytes.Length, limits ?? JsonLimits.Default, out var root, out var error), error?.Text);
        Assert.Null(error);
        return root!;
    }

    private static CodecError Fail(string json, JsonLimits? limits = null)
    {
        return Fail(Encoding.UTF8.GetBytes(json), limits);
    }

    private static CodecError Fail(byte[] bytes, JsonLimits? limits = null)
    {
        Assert.False(JsonParser.TryParse(bytes, 0, bytes.Length, limits ?? JsonLimits.Default, out var root, out var error));
        Assert.Null(root);
        Assert.NotNull(error);
        return error!;
    }

    [Fact]
    public void Reads_every_kind_of_value()
    {
        var root = Parse("{\"s\":\"x\",\"i\":-12,\"d\":1.5e2,\"t\":true,\"f\":false,\"n\":null,\"a\":[1,[2]],\"o\":{}}");
        Assert.Equal(JsonKind.Object, root.Kind);
        Assert.Equal(8, root.Count);
        Assert.Equal("x", root.Get("s")!.AsString());
        Assert.Equal(-12, root.Get("i")!.AsInt64());
        Assert.True(root.Get("i")!.IsInteger);
        Assert.False(root.Get("d")!.IsInteger);
        Assert.Equal(150.0, root.Get("d")!.AsDouble());
        Assert.True(root.Get("t")!.AsBoolean());
        Assert.False(root.Get("f")!.AsBoolean());
        Assert.Equal(JsonKind.Null, root.Get("n")!.Kind);
        Assert.Equal(2, root.Get("a")!.Count);
        Assert.Equal(2, root.Get("a")!.Item(1).Item(0).AsInt64());
        Assert.Equal(JsonKind.Object, root.Get("o")!.Kind);
        Assert.Equal(0, root.Get("o")!.Count);
        Assert.Equal("a", root.Name(6));
        Assert.Null(root.Get("missing"));
    }

    [Fact]
    public void Any_whitespace_and_scalar_documents()
    {
        var root = Parse(" \t\r\n[ 1 ,\n\t2 ]\r\n ");
        Assert.Equal(2, root.Count);
        Assert.Equal("hi", Parse("\"hi\"").AsString());
        Assert.Equal(0, Parse("0").AsInt64());
        Assert.Equal(-0.0, Parse("-0.0").AsDouble());
    }

    [Theory]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Integers_at_the_edges_of_long(string text, long expected)
    {
        var node = Parse(text);
        Assert.True(node.IsInteger);
        Assert.Equal(expected, node.AsInt64());
    }

    [Fact]
    public void Integers_beyond_long_become_doubles()
    {
        var node = Parse("9223372036854775808");
        Assert.False(node.IsInteger);
        Assert.Equal(9223372036854775808.0, node.AsDouble());
        Assert.Throws<InvalidOperationException>(() => node.AsInt64());
    }

    [Fact]
    public void Escapes_including_surrogate_pairs()
    {
        var s = Parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\\u0000\"").AsString();
        Assert.Equal("a\"b\\c/d\b\f\n\r\té\U0001F600\0", s);
        Assert.Equal("é😀", Parse("\"é😀\"").AsString());
    }

    [Theory]
    [InlineData("{\"a\" 1}", 5, "expected ':' after a member name")]
    [InlineData("{\"a\":1,}", 7, "expected a member name")]
    [InlineData("[1,2", 4, "ends inside an array")]
    [InlineData("[1 2]", 3, "expected ',' or ']'")]
    [InlineData("01", 1, "leading zero")]
    [InlineData("1.", 2, "after the decimal point")]
    [InlineData("1e", 2, "exponent")]
    [InlineData("-", 1, "expected a digit")]
    [InlineData("+1", 0, "expected a value")]
    [InlineData("tru", 0, "expected 'true'")]
    [InlineData("nul", 0, "expected 'null'")]
    [InlineData("\"abc", 4, "closing '\"'")]
    [InlineData("\"a\\x\"", 2, "unknown escape")]
    [InlineData("\"\\u12g4\"", 1, "four hex digits")]
    [InlineData("\"\\uD83D\"", 7, "unpaired high surrogate")]
    [InlineData("\"\\uDE00\"", 1, "unpaired low surrogate")]
    [InlineData("\"\\uD83D\\u0041\"", 7, "low surrogate")]
    [InlineData("\"a\tb\"", 2, "control character 0x09")]
    [InlineData("{\"a\":1,\"a\":2}", 7, "duplicate member name 'a'")]
    [InlineData("1 2", 2, "after the end of the JSON value")]
    [InlineData("", 0, "empty")]
    [InlineData("   ", 3, "empty")]
    [InlineData("{'a':1}", 1, "double quotes")]
    public void Syntax_errors_name_the_byte_and_what_was_expected(string json, int position, string fragment)
    {
        var error = Fail(json);
        Assert.Equal(CodecErrorCode.Syntax, error.Code);
        Assert.Equal(position, error.Position);
        Assert.Contains(fragment, error.Text, StringComparison.Ordinal);
        Assert.StartsWith("at byte " + position + ": ", error.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_numbers_are_out_of_range()
    {
        var error = Fail("[1e999]");
        Assert.Equal(CodecErrorCode.OutOfRange, error.Code);
        Assert.Equal(1, error.Position);
    }

    [Theory]
    [InlineData(new byte[] { 0x22, 0xC0, 0xAF, 0x22 }, 1)] // overlong '/'
    [InlineData(new byte[] { 0x22, 0xE0, 0x80, 0xAF, 0x22 }, 1)] // overlong 3-byte
    [InlineData(new byte[] { 0x22, 0xED, 0xA0, 0x80, 0x22 }, 1)] // encoded surrogate U+D800
    [InlineData(new byte[] { 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22 }, 1)] // above U+10FFFF
    [InlineData(new byte[] { 0x22, 0x61, 0xE2, 0x82 }, 2)] // truncated
    [InlineData(new byte[] { 0x80 }, 0)] // stray continuation
    [InlineData(new byte[] { 0x22, 0xFF, 0x22 }, 1)]
    public void Invalid_utf8_is_refused_with_its_position(byte[] bytes, int position)
    {
        var error = Fail(bytes);
        Assert.Equal(CodecErrorCode.InvalidUtf8, error.Code);
        Assert.Equal(position, error.Position);
    }

    [Fact]
    public void Size_limit_is_checked_first()
    {
        var limits = new JsonLimits { MaxBytes = 10 };
        var error = Fail("[1,2,3,4,5,6]", limits);
        Assert.Equal(CodecErrorCode.TooLarge, error.Code);
        Assert.Contains("13 bytes", error.Text, StringComparison.Ordinal);

        // Even invalid UTF-8 over the limit reports the size, proving nothing else ran first.
        var junk = new byte[20];
        Array.Fill(junk, (byte)0xFF);
        Assert.Equal(CodecErrorCode.TooLarge, Fail(junk, limits).Code);
    }

    [Fact]
    public void Depth_limit()
    {
        var limits = new JsonLimits { MaxDepth = 3 };
        Parse("[[[1]]]", limits);
        var error = Fail("[[[[1]]]]", limits);
        Assert.Equal(CodecErrorCode.TooDeep, error.Code);
        Assert.Equal(3, error.Position);

        // The default limit stops a deep bomb long before the stack matters.
        var bomb = new string('[', 4000) + new string(']', 4000);
        Assert.Equal(CodecErrorCode.TooDeep, Fail(bomb).Code);
    }

    [Fact]
    public void String_length_limit()
    {
        var limits = new JsonLimits { MaxStringLength = 5 };
        Assert.Equal("abcde", Parse("\"abcde\"", limits).AsString());
        var error = Fail("\"abcdef\"", limits);
        Assert.Equal(CodecErrorCode.TooLong, error.Code);
        Assert.Equal(CodecErrorCode.TooLong, Fail("{\"abcdefgh\":1}", limits).Code);
        Assert.Equal(new string('x', 2048), Parse("\"" + new string('x', 2048) + "\"").AsString());
        Assert.Equal(CodecErrorCode.TooLong, Fail("\"" + new string('x', 2049) + "\"").Code);
    }

    [Fact]
    public void Member_count_limit()
    {
        var limits = new JsonLimits { MaxMembers = 3 };
        Assert.Equal(3, Parse("[1,2,3]", limits).Count);
        Assert.Equal(CodecErrorCode.TooLarge, Fail("[1,2,3,4]", limits).Code);
        Assert.Equal(CodecErrorCode.TooLarge, Fail("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", limits).Code);
    }

    [Fact]
    public void Range_arguments_are_checked_not_thrown()
    {
        var bytes = Encoding.UTF8.GetBytes("xx[1]yy");
        Assert.True(JsonParser.TryParse(bytes, 2, 3, JsonLimits.Default, out var root, out _));
        Assert.Equal(1, root!.Item(0).AsInt64());
        Assert.False(JsonParser.TryParse(bytes, 5, 3, JsonLimits.Default, out _, out var error));
        Assert.Equal(CodecErrorCode.Syntax, error!.Code);
        Assert.False(JsonParser.TryParse(null!, 0, 0, JsonLimits.Default, out _, out _));

        // Errors inside a slice count from the start of the slice.
        var slice = Encoding.UTF8.GetBytes("zzzz[1,]");
        Assert.False(JsonParser.TryParse(slice, 4, 4, JsonLimits.Default, out _, out error));
        Assert.Equal(3, error!.Position);
    }

    [Fact]
    public void Accessors_refuse_the_wrong_kind()
    {
        var root = Parse("{\"s\":\"x\"}");
        Assert.Throws<InvalidOperationException>(() => root.AsString());
        Assert.Throws<InvalidOperationException>(() => root.Get("s")!.AsInt64());
        Assert.Throws<ArgumentOutOfRangeException>(() => root.Item(1));
        Assert.Null(root.Get("s")!.Get("x"));
    }
}
