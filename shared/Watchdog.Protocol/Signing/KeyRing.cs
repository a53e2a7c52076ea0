namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// The keys a verifier accepts, by key id, each with its role and owner (KeyRole): an
    /// operator key, the key of board "rack1", the key of node "db1". Several keys of one role and
    /// owner at once allow rotation: add the new key, move signers over, then drop the old one.
    /// A signer uses the first key of its role and owner. Keys are copied on Add.
    /// </summary>
    public sealed class KeyRing
    {
        private readonly object _gate = new object();
        private string[] _ids = new string[2];
        private byte[][] _keys = new byte[2][];
        private KeyRole[] _roles = new KeyRole[2];
        private string[] _owners = new string[2];
        private int _count;

        public int Count { get { return _count; } }

        /// <summary>Adds an operator key, or replaces the key of an id already present.</summary>
        public void Add(string keyId, byte[] key)
        {
            Add(keyId, key, KeyRole.Operator, "");
        }

        /// <summary>Adds a key of a role (owner: the board's or node's name, "" for an operator), or replaces the key of an id already present.</summary>
        public void Add(string keyId, byte[] key, KeyRole role, string owner)
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
                        _roles[i] = role;
                        _owners[i] = owner ?? "";
                        return;
                    }
                }

                if (_count == _ids.Length)
                {
                    string[] ids = new string[_count * 2];
                    byte[][] keys = new byte[_count * 2][];
                    KeyRole[] roles = new KeyRole[_count * 2];
                    string[] owners = new string[_count * 2];
                    System.Array.Copy(_ids, ids, _count);
                    System.Array.Copy(_keys, keys, _count);
                    System.Array.Copy(_roles, roles, _count);
                    System.Array.Copy(_owners, owners, _count);
                    _ids = ids;
                    _keys = keys;
                    _roles = roles;
                    _owners = owners;
                }

                _ids[_count] = keyId;
                _keys[_count] = copy;
                _roles[_count] = role;
                _owners[_count] = owner ?? "";
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
                            _roles[j - 1] = _roles[j];
                            _owners[j - 1] = _owners[j];
                        }

                        _count--;
                        _ids[_count] = "";
                        _keys[_count] = new byte[0];
                        _owners[_count] = "";
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

        /// <summary>The key with this id and its role and owner; null when there is none.</summary>
        public byte[]? Find(string keyId, out KeyRole role, out string owner)
        {
            lock (_gate)
            {
                for (int i = 0; i < _count; i++)
                {
                    if (_ids[i] == keyId)
                    {
                        role = _roles[i];
                        owner = _owners[i];
                        return _keys[i];
                    }
                }

                role = KeyRole.Operator;
                owner = "";
                return null;
            }
        }

        /// <summary>The id of the first key of this role and owner (the one a signer uses); "" when there is none.</summary>
        public string FirstOf(KeyRole role, string owner)
        {
            lock (_gate)
            {
                for (int i = 0; i < _count; i++)
                {
                    if (_roles[i] == role && _owners[i] == owner)
                    {
                        return _ids[i];
                    }
                }

                return "";
            }
        }

        /// <summary>Whether any key of this role is held (whatever its owner).</summary>
        public bool HasRole(KeyRole role)
        {
            lock (_gate)
            {
                for (int i = 0; i < _count; i++)
                {
                    if (_roles[i] == role)
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }
}
