using System.Security.Cryptography;
using Watchdog.Platform.Signing;

namespace Watchdog.Protocol.Tests.Signing;

public class HmacTests
{
    private static byte[] Repeat(byte b, int n)
    {
        var a = new byte[n];
        Array.Fill(a, b);
        return a;
    }

    public static TheoryData<string, byte[], byte[], string> Rfc4231 => new()
    {
        { "1", Repeat(0x0b, 20), Encoding.ASCII.GetBytes("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { "2", Encoding.ASCII.GetBytes("Jefe"), Encoding.ASCII.GetBytes("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { "3", Repeat(0xaa, 20), Repeat(0xdd, 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
        { "4", Enumerable.Range(1, 25).Select(i => (byte)i).ToArray(), Repeat(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
        // Test case 5 specifies the output truncated to 128 bits.
        { "5", Repeat(0x0c, 20), Encoding.ASCII.GetBytes("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b" },
        { "6", Repeat(0xaa, 131), Encoding.ASCII.GetBytes("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
        { "7", Repeat(0xaa, 131), Encoding.ASCII.GetBytes("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
    };

    [Theory]
    [MemberData(nameof(Rfc4231))]
    public void Rfc_4231_test_cases(string testCase, byte[] key, byte[] data, string expected)
    {
        var mac = Hex.Encode(new PortableHmacSha256().Compute(key, data));
        Assert.True(mac.StartsWith(expected, StringComparison.Ordinal), "test case " + testCase + ": got " + mac);
        Assert.Equal(64, mac.Length);
    }

    [Fact]
    public void Agrees_with_the_platform_on_thousands_of_random_keys_and_messages()
    {
        var portable = new PortableHmacSha256();
        var platform = new PlatformHmacSha256();
        int runs = 0;

        // CsCheck samples on several threads: the count must be atomic (a plain ++ once lost one).
        Gen.Select(Gen.Byte.Array[0, 200], Gen.Byte.Array[0, 600]).Sample((key, message) =>
        {
            Interlocked.Increment(ref runs);
            Assert.Equal(platform.Compute(key, message), portable.Compute(key, message));
        }, iter: 5_000);
        Assert.Equal(5_000, runs);
    }

    [Fact]
    public void Every_key_length_around_the_block_size()
    {
        var portable = new PortableHmacSha256();
        var message = Encoding.ASCII.GetBytes("wdcmd1");
        for (int n = 0; n <= 140; n++)
        {
            var key = Enumerable.Range(0, n).Select(i => (byte)(i * 7)).ToArray();
            Assert.Equal(HMACSHA256.HashData(key, message), portable.Compute(key, message));
        }
    }

    [Fact]
    public void Hex_round_trips_and_rejects_junk()
    {
        var bytes = new byte[] { 0x00, 0x0f, 0xa5, 0xff };
        Assert.Equal("000fa5ff", Hex.Encode(bytes));
        Assert.True(Hex.TryDecode("000FA5ff", out var back));
        Assert.Equal(bytes, back);
        Assert.False(Hex.TryDecode("abc", out _));
        Assert.False(Hex.TryDecode("zz", out _));
        Assert.False(Hex.TryDecode(null!, out _));
        Assert.True(Hex.TryDecode("", out var empty));
        Assert.Empty(empty!);
    }
}
