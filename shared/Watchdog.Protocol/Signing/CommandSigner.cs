using Watchdog.Protocol.Messages;

namespace Watchdog.Protocol.Signing
{
    /// <summary>Signs a command: sets KeyId, then Signature = lower-case hex of HMAC-SHA256(key, canonical form).</summary>
    public sealed class CommandSigner
    {
        private readonly IHmacSha256 _hmac;

        public CommandSigner(IHmacSha256 hmac)
        {
            if (hmac == null)
            {
                throw new System.ArgumentNullException(nameof(hmac));
            }

            _hmac = hmac;
        }

        public void Sign(SignedCommand c, string keyId, byte[] key)
        {
            if (c == null)
            {
                throw new System.ArgumentNullException(nameof(c));
            }

            if (keyId == null || keyId.Length == 0)
            {
                throw new System.ArgumentException("key id must not be empty", nameof(keyId));
            }

            if (key == null || key.Length == 0)
            {
                throw new System.ArgumentException("key must not be empty", nameof(key));
            }

            // The key id is part of what is signed, so set it first.
            c.KeyId = keyId;
            c.Signature = Hex.Encode(_hmac.Compute(key, CommandCanonicalForm.Build(c)));
        }
    }
}
