namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// The key file every board, agent and operator machine holds: one key (32 random bytes) per
    /// line, with its role (KeyRole) in front, '#' comments and blank lines ignored:
    /// <code>
    /// operator &lt;key-id&gt;:&lt;64 hex digits&gt;
    /// board &lt;board&gt; &lt;key-id&gt;:&lt;64 hex digits&gt;
    /// node &lt;node&gt; &lt;key-id&gt;:&lt;64 hex digits&gt;
    /// </code>
    /// A bare "&lt;key-id&gt;:&lt;64 hex digits&gt;" is an operator key (the format before roles).
    /// Several keys of one role and owner during a rotation: the first signs, every one verifies.
    /// One parser for all parts, so the format cannot drift between them.
    /// </summary>
    public static class ClusterKeyFile
    {
        public const int KeyBytes = 32;

        /// <summary>
        /// Parses the file's text. On failure <paramref name="error"/> names the source, the line
        /// and the problem ("cluster.key:3: key 'k1' must be 64 hex digits").
        /// </summary>
        public static bool TryParse(string text, string source, out string[] keyIds, out byte[][] keys, out string error)
        {
            KeyRole[] roles;
            string[] owners;
            return TryParse(text, source, out keyIds, out keys, out roles, out owners, out error);
        }

        /// <summary>As TryParse, with each key's role and owner ("" for an operator key).</summary>
        public static bool TryParse(string text, string source, out string[] keyIds, out byte[][] keys, out KeyRole[] roles, out string[] owners, out string error)
        {
            keyIds = new string[0];
            keys = new byte[0][];
            roles = new KeyRole[0];
            owners = new string[0];
            error = "";
            string[] lines = (text ?? "").Split('\n');
            int count = 0;
            string[] ids = new string[lines.Length];
            byte[][] values = new byte[lines.Length][];
            KeyRole[] roleOf = new KeyRole[lines.Length];
            string[] ownerOf = new string[lines.Length];
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                string where = source + ":" + (i + 1) + ": ";
                string[] words = SplitWords(line);
                KeyRole role = KeyRole.Operator;
                string owner = "";
                string pair;
                if (words.Length == 1)
                {
                    pair = words[0];
                }
                else if (words.Length == 2 && words[0] == "operator")
                {
                    pair = words[1];
                }
                else if (words.Length == 3 && (words[0] == "board" || words[0] == "node"))
                {
                    role = words[0] == "board" ? KeyRole.Board : KeyRole.Node;
                    owner = words[1];
                    pair = words[2];
                }
                else
                {
                    error = where + "expected 'operator <key-id>:<hex>', 'board <board> <key-id>:<hex>' or 'node <node> <key-id>:<hex>'";
                    return false;
                }

                int colon = pair.IndexOf(':');
                if (colon <= 0)
                {
                    error = where + "expected '<key-id>:<64 hex digits>'";
                    return false;
                }

                string keyId = pair.Substring(0, colon);
                byte[]? key;
                if (!Hex.TryDecode(pair.Substring(colon + 1), out key) || key == null || key.Length != KeyBytes)
                {
                    error = where + "key '" + keyId + "' must be " + (KeyBytes * 2) + " hex digits";
                    return false;
                }

                for (int j = 0; j < count; j++)
                {
                    if (ids[j] == keyId)
                    {
                        error = where + "key id '" + keyId + "' appears twice; each key needs its own id";
                        return false;
                    }
                }

                ids[count] = keyId;
                values[count] = key;
                roleOf[count] = role;
                ownerOf[count] = owner;
                count++;
            }

            if (count == 0)
            {
                error = source + ": holds no key (expected a line such as 'operator <key-id>:<64 hex digits>'; 'watchdogctl keys generate' writes them)";
                return false;
            }

            keyIds = new string[count];
            keys = new byte[count][];
            roles = new KeyRole[count];
            owners = new string[count];
            System.Array.Copy(ids, keyIds, count);
            System.Array.Copy(values, keys, count);
            System.Array.Copy(roleOf, roles, count);
            System.Array.Copy(ownerOf, owners, count);
            return true;
        }

        /// <summary>Parses the text straight into a key ring.</summary>
        public static bool TryParse(string text, string source, KeyRing ring, out string error)
        {
            string[] ids;
            byte[][] keys;
            KeyRole[] roles;
            string[] owners;
            if (!TryParse(text, source, out ids, out keys, out roles, out owners, out error))
            {
                return false;
            }

            for (int i = 0; i < ids.Length; i++)
            {
                ring.Add(ids[i], keys[i], roles[i], owners[i]);
            }

            return true;
        }

        /// <summary>The line for one operator key in the form before roles.</summary>
        public static string Line(string keyId, byte[] key)
        {
            return keyId + ":" + Hex.Encode(key);
        }

        /// <summary>The line for one key with its role, as the file holds it.</summary>
        public static string Line(KeyRole role, string owner, string keyId, byte[] key)
        {
            switch (role)
            {
                case KeyRole.Board: return "board " + owner + " " + Line(keyId, key);
                case KeyRole.Node: return "node " + owner + " " + Line(keyId, key);
                default: return "operator " + Line(keyId, key);
            }
        }

        // Words separated by spaces or tabs (the device's string has no Replace or Split options).
        private static string[] SplitWords(string line)
        {
            string[] found = new string[line.Length];
            int n = 0;
            int start = -1;
            for (int i = 0; i <= line.Length; i++)
            {
                bool blank = i == line.Length || line[i] == ' ' || line[i] == '\t';
                if (blank && start >= 0)
                {
                    found[n++] = line.Substring(start, i - start);
                    start = -1;
                }
                else if (!blank && start < 0)
                {
                    start = i;
                }
            }

            string[] words = new string[n];
            System.Array.Copy(found, words, n);
            return words;
        }
    }
}
