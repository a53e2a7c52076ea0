using System.Security.Cryptography;
using Watchdog.Protocol.Signing;

namespace Watchdog.Agent.Messaging;

/// <summary>HMAC-SHA256 from the platform (the portable one exists for the device; both give the same MAC).</summary>
public sealed class PlatformHmacSha256 : IHmacSha256
{
    public byte[] Compute(byte[] key, byte[] message) => HMACSHA256.HashData(key, message);
}
