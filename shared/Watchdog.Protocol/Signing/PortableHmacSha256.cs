namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// HMAC-SHA256 per RFC 2104 over the hand-written Sha256. The padded keys and the inner hash
    /// live in buffers allocated once, so a call allocates only its 32-byte result (plus the
    /// hash of the key when a key is longer than a block). Calls are serialised with a lock.
    /// </summary>
    public sealed class PortableHmacSha256 : IHmacSha256
    {
        private const byte InnerPad = 0x36;
        private const byte OuterPad = 0x5c;

        private readonly object _gate = new object();
        private readonly Sha256 _sha = new Sha256();
        private readonly byte[] _pad = new byte[Sha256.BlockSize];
        private readonly byte[] _inner = new byte[Sha256.HashSize];
        private readonly byte[] _shortKey = new byte[Sha256.HashSize];

        public byte[] Compute(byte[] key, byte[] message)
        {
            if (key == null)
            {
                throw new System.ArgumentNullException(nameof(key));
            }

            if (message == null)
            {
                throw new System.ArgumentNullException(nameof(message));
            }

            byte[] result = new byte[Sha256.HashSize];
            lock (_gate)
            {
                byte[] k = key;
                int keyLength = key.Length;
                if (keyLength > Sha256.BlockSize)
                {
                    // RFC 2104: a key longer than the block is replaced by its hash.
                    _sha.Update(key, 0, key.Length);
                    _sha.Final(_shortKey, 0);
                    k = _shortKey;
                    keyLength = Sha256.HashSize;
                }

                FillPad(k, keyLength, InnerPad);
                _sha.Update(_pad, 0, Sha256.BlockSize);
                _sha.Update(message, 0, message.Length);
                _sha.Final(_inner, 0);

                FillPad(k, keyLength, OuterPad);
                _sha.Update(_pad, 0, Sha256.BlockSize);
                _sha.Update(_inner, 0, Sha256.HashSize);
                _sha.Final(result, 0);

                // Do not leave key material lying in the buffers.
                System.Array.Clear(_pad, 0, _pad.Length);
                System.Array.Clear(_shortKey, 0, _shortKey.Length);
            }

            return result;
        }

        private void FillPad(byte[] key, int keyLength, byte pad)
        {
            for (int i = 0; i < Sha256.BlockSize; i++)
            {
                _pad[i] = (byte)((i < keyLength ? key[i] : 0) ^ pad);
            }
        }
    }
}
