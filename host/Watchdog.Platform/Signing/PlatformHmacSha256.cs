using System.Security.Cryptography;
using Watchdog.Protocol.Signing;

namespace Watchdog.Platform.Signing;

/// <summary>
/// HMAC-SHA256 from the platform's crypto (OpenSSL on Linux) for the agent, the Linux board and the
/// tools; the device uses PortableHmacSha256. Both give the same MAC.
/// </summary>
public sealed class PlatformHmacSha256 : IHmacSha256
{
    public byte[] Compute(byte[] key, byte[] message) => HMACSHA256.HashData(key, message);
}
