namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// The cluster key file every board, agent and operator machine holds: one line
    /// "&lt;key-id&gt;:&lt;64 hex digits&gt;" per key (32 random bytes), '#' comments and blank lines
    /// ignored. Several lines during a rotation: the first signs, every line verifies.
    /// One parser for all of them, so the format cannot drift between parts.
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
            keyIds = new string[0];
            keys = new byte[0][];
            error = "";
            string[] lines = (text ?? "").Split('\n');
            int count = 0;
            string[] ids = new string[lines.Length];
            byte[][] values = new byte[lines.Length][];
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                int colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    error = source + ":" + (i + 1) + ": expected '<key-id>:<64 hex digits>'";
                    return false;
                }

                string keyId = line.Substring(0, colon);
                byte[]? key;
                if (!Hex.TryDecode(line.Substring(colon + 1), out key) || key == null || key.Length != KeyBytes)
                {
                    error = source + ":" + (i + 1) + ": key '" + keyId + "' must be " + (KeyBytes * 2) + " hex digits";
                    return false;
                }

                ids[count] = keyId;
                values[count] = key;
                count++;
            }

            if (count == 0)
            {
                error = source + ": holds no key (expected a line '<key-id>:<64 hex digits>'; 'watchdogctl keys generate' writes one)";
                return false;
            }

            keyIds = new string[count];
            keys = new byte[count][];
            System.Array.Copy(ids, keyIds, count);
            System.Array.Copy(values, keys, count);
            return true;
        }

        /// <summary>Parses the text straight into a key ring.</summary>
        public static bool TryParse(string text, string source, KeyRing ring, out string error)
        {
            string[] ids;
            byte[][] keys;
            if (!TryParse(text, source, out ids, out keys, out error))
            {
                return false;
            }

            for (int i = 0; i < ids.Length; i++)
            {
                ring.Add(ids[i], keys[i]);
            }

            return true;
        }

        /// <summary>The line for one key, as the file holds it.</summary>
        public static string Line(string keyId, byte[] key)
        {
            return keyId + ":" + Hex.Encode(key);
        }
    }
}
