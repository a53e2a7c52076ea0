using System.Security.Cryptography;
using Watchdog.Protocol.Signing;

namespace Watchdog.Board.Hosting;

/// <summary>HMAC-SHA256 from the platform's crypto (OpenSSL) for command verification on Linux; the device uses PortableHmacSha256.</summary>
public sealed class PlatformHmacSha256 : IHmacSha256
{
    public byte[] Compute(byte[] key, byte[] message) => HMACSHA256.HashData(key, message);
}
