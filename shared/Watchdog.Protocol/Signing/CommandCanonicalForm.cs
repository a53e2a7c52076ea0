using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// The exact bytes a command's HMAC covers: every field except Signature, in a fixed order,
    /// each length-prefixed so that no value can run into the next whatever it contains:
    /// <code>
    /// wdcmd1\n
    /// id=&lt;n&gt;:&lt;n bytes&gt;\n
    /// key=&lt;n&gt;:&lt;n bytes&gt;\n
    /// target=&lt;n&gt;:&lt;n bytes&gt;\n
    /// action=&lt;n&gt;:&lt;wire word&gt;\n
    /// argument=&lt;n&gt;:&lt;n bytes&gt;\n
    /// epoch=&lt;n&gt;:&lt;decimal&gt;\n
    /// issued=&lt;n&gt;:&lt;decimal&gt;\n
    /// expires=&lt;n&gt;:&lt;decimal&gt;\n
    /// </code>
    /// n is the value's length in UTF-8 bytes, in decimal ASCII without leading zeros; values
    /// are UTF-8; numbers are decimal ASCII with '-' for negatives (LengthPrefixedFields, the
    /// layout the message seal shares). docs/protocol.md shows an example byte by byte. Changing
    /// this format means a new version word ("wdcmd2").
    /// </summary>
    public static class CommandCanonicalForm
    {
        public const string Version = "wdcmd1";

        private static readonly int ActionCount = WireWords.AllActions().Length;

        public static byte[] Build(SignedCommand c)
        {
            if (c == null)
            {
                throw new System.ArgumentNullException(nameof(c));
            }

            // An action outside the table cannot come from the decoder (it refuses unknown words), but a
            // caller could cast one; it is still signed unambiguously, as '#' and its number, and the
            // verifier refuses it as malformed.
            int action = (int)c.Action;
            string actionWord = action >= 0 && action < ActionCount ? WireWords.Of(c.Action) : "#" + action.ToString();
            string[] names = { "id", "key", "target", "action", "argument", "epoch", "issued", "expires" };
            string[] values =
            {
                c.Id ?? "", c.KeyId ?? "", c.Target ?? "", actionWord, c.Argument ?? "",
                LengthPrefixedFields.Decimal(c.Epoch), LengthPrefixedFields.Decimal(c.IssuedAt),
                LengthPrefixedFields.Decimal(c.ExpiresAt),
            };

            return LengthPrefixedFields.Build(Version, names, values);
        }
    }
}
