namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// The cluster keys a verifier accepts, by key id. Several keys at once allow rotation: add
    /// the new key, move signers over, then drop the old one. Keys are copied on Add.
    /// </summary>
    public sealed class KeyRing
    {
        private readonly object _gate = new object();
        private string[] _ids = new string[2];
        private byte[][] _keys = new byte[2][];
        private int _count;

        public int Count { get { return _count; } }

        /// <summary>Adds a key, or replaces the key of an id already present.</summary>
        public void Add(string keyId, byte[] key)
        {
            if (keyId == null || keyId.Length == 0)
            {
                throw new System.ArgumentException("key id must not be empty", nameof(keyId));
            }

            if (key == null || key.Length == 0)
            {
                throw new System.ArgumentException("key '" + keyId + "' must not be empty", nameof(key));
            }

            byte[] copy = new byte[key.Length];
            System.Array.Copy(key, copy, key.Length);
            lock (_gate)
            {
                for (int i = 0; i < _count; i++)
                {
                    if (_ids[i] == keyId)
                    {
                        _keys[i] = copy;
                        return;
                    }
                }

                if (_count == _ids.Length)
                {
                    string[] ids = new string[_count * 2];
                    byte[][] keys = new byte[_count * 2][];
                    System.Array.Copy(_ids, ids, _count);
                    System.Array.Copy(_keys, keys, _count);
                    _ids = ids;
                    _keys = keys;
                }

                _ids[_count] = keyId;
                _keys[_count] = copy;
                _count++;
            }
        }

        /// <summary>Removes a key; returns false when there was none with that id.</summary>
        public bool Remove(string keyId)
        {
            lock (_gate)
            {
                for (int i = 0; i < _count; i++)
                {
                    if (_ids[i] == keyId)
                    {
                        for (int j = i + 1; j < _count; j++)
                        {
                            _ids[j - 1] = _ids[j];
                            _keys[j - 1] = _keys[j];
                        }

                        _count--;
                        _ids[_count] = "";
                        _keys[_count] = new byte[0];
                        return true;
                    }
                }

                return false;
            }
        }

        /// <summary>The key with this id, or null.</summary>
        public byte[]? Find(string keyId)
        {
            lock (_gate)
            {
                for (int i = 0; i < _count; i++)
                {
                    if (_ids[i] == keyId)
                    {
                        return _keys[i];
                    }
                }

                return null;
            }
        }
    }
}
