namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// HMAC-SHA256 (RFC 2104). The device uses PortableHmacSha256; host code may plug in the
    /// platform's System.Security.Cryptography.HMACSHA256 behind this same interface.
    /// </summary>
    public interface IHmacSha256
    {
        /// <summary>The 32-byte HMAC-SHA256 of message under key.</summary>
        byte[] Compute(byte[] key, byte[] message);
    }
}
