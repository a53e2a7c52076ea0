using System.Security.Cryptography;
using PortableSha256 = Watchdog.Protocol.Signing.Sha256;

namespace Watchdog.Protocol.Tests.Signing;

public class Sha256Tests
{
    // FIPS 180-4 / NIST CSRC "SHA256.pdf" example values.
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")]
    public void Fips_180_4_vectors(string message, string expected)
    {
        Assert.Equal(expected, Hex.Encode(PortableSha256.Hash(Encoding.ASCII.GetBytes(message))));
    }

    [Fact]
    public void One_million_a()
    {
        var data = new byte[1_000_000];
        Array.Fill(data, (byte)'a');
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Hex.Encode(PortableSha256.Hash(data)));

        // The same, fed in uneven pieces through one reused instance.
        var sha = new PortableSha256();
        for (int round = 0; round < 2; round++)
        {
            int p = 0;
            int piece = 1;
            while (p < data.Length)
            {
                int n = Math.Min(piece, data.Length - p);
                sha.Update(data, p, n);
                p += n;
                piece = (piece * 7 % 131) + 1;
            }

            var result = new byte[32];
            sha.Final(result, 0);
            Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Hex.Encode(result));
        }
    }

    [Fact]
    public void Agrees_with_the_platform_around_every_padding_boundary()
    {
        for (int length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            for (int i = 0; i < length; i++)
            {
                data[i] = (byte)(i * 31 + length);
            }

            Assert.Equal(SHA256.HashData(data), PortableSha256.Hash(data));
        }
    }

    [Fact]
    public void Agrees_with_the_platform_on_random_data()
    {
        Gen.Byte.Array[0, 1000].Sample(data => Assert.Equal(SHA256.HashData(data), PortableSha256.Hash(data)), iter: 2_000);
    }
}
