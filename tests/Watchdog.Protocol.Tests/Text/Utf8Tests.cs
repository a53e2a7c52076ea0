using Watchdog.Protocol.Text;

namespace Watchdog.Protocol.Tests.Text;

public class Utf8Tests
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [Theory]
    [InlineData("")]
    [InlineData("plain ascii")]
    [InlineData("é ß € 😀 \u07FF \u0800 \uFFFF \U0010FFFF")]
    public void Encodes_like_the_platform(string s)
    {
        Assert.Equal(Encoding.UTF8.GetBytes(s), Utf8.GetBytes(s));
        Assert.True(Utf8.TryGetString(Utf8.GetBytes(s), 0, Utf8.GetBytes(s).Length, out var back));
        Assert.Equal(s, back);
    }

    [Fact]
    public void Lone_surrogates_encode_as_replacement()
    {
        Assert.Equal(new byte[] { 0x61, 0xEF, 0xBF, 0xBD, 0x62 }, Utf8.GetBytes("a\uDC00b"));
        Assert.Equal(new byte[] { 0xEF, 0xBF, 0xBD }, Utf8.GetBytes("\uD800"));
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0x80 })] // overlong NUL
    [InlineData(new byte[] { 0xC1, 0xBF })] // overlong
    [InlineData(new byte[] { 0xE0, 0x9F, 0xBF })] // overlong 3-byte
    [InlineData(new byte[] { 0xF0, 0x8F, 0xBF, 0xBF })] // overlong 4-byte
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // U+D800
    [InlineData(new byte[] { 0xED, 0xBF, 0xBF })] // U+DFFF
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // U+110000
    [InlineData(new byte[] { 0xF5, 0x80, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })] // truncated
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 })] // truncated
    [InlineData(new byte[] { 0xBF })] // stray continuation
    [InlineData(new byte[] { 0xC3, 0x28 })] // bad continuation
    public void Rejects_invalid_sequences(byte[] bytes)
    {
        Assert.False(Utf8.TryGetString(bytes, 0, bytes.Length, out var s));
        Assert.Equal("", s);
        Assert.Throws<DecoderFallbackException>(() => Strict.GetString(bytes));
    }

    [Fact]
    public void Range_checks_do_not_throw()
    {
        Assert.False(Utf8.TryGetString(null!, 0, 0, out _));
        Assert.False(Utf8.TryGetString(new byte[3], 2, 2, out _));
        Assert.False(Utf8.TryGetString(new byte[3], -1, 1, out _));
        Assert.True(Utf8.TryGetString("xaby"u8.ToArray(), 1, 2, out var s));
        Assert.Equal("ab", s);
    }

    [Fact]
    public void Agrees_with_the_platform_on_random_bytes()
    {
        // Biased towards bytes that form (or almost form) multi-byte sequences.
        var genByte = Gen.OneOf(Gen.Byte, Gen.Byte[0x80, 0xBF], Gen.Byte[0xC0, 0xF5], Gen.Byte[0x20, 0x7E]);
        genByte.Array[0, 12].Sample(bytes =>
        {
            string? expected;
            try
            {
                expected = Strict.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                expected = null;
            }

            var ok = Utf8.TryGetString(bytes, 0, bytes.Length, out var actual);
            Assert.Equal(expected != null, ok);
            if (ok)
            {
                Assert.Equal(expected, actual);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void Agrees_with_the_platform_on_random_strings()
    {
        Gen.String.Sample(s => Assert.Equal(Encoding.UTF8.GetBytes(s), Utf8.GetBytes(s)), iter: 5_000);
    }
}
