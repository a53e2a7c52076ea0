using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// Decides whether a signed command may be carried out. The checks run in this order and the
    /// first that fails gives the verdict: Malformed, UnknownKey, BadSignature, NotYetValid,
    /// Expired, StaleEpoch, Replayed; otherwise Accepted. Authenticity comes before freshness so
    /// that an unsigned message learns nothing about our clock or epoch.
    /// The ids of accepted commands are kept in a ring allocated here, so verifying allocates only
    /// the canonical form and the MAC. The ring lives in memory: after a restart it is empty, so
    /// set IssuedNotBefore to the start time to refuse anything issued before it (see docs/protocol.md).
    /// </summary>
    public sealed class CommandVerifier
    {
        /// <summary>The longest lifetime (ExpiresAt - IssuedAt) a command may have: 10 minutes.</summary>
        public const long MaxLifetimeMs = 10 * 60 * 1000;

        /// <summary>Longest id, key id, target and argument accepted (characters).</summary>
        public const int MaxFieldLength = 128;

        private const int SignatureHexLength = 64;

        private static readonly int ActionCount = WireWords.AllActions().Length;

        private readonly object _gate = new object();
        private readonly KeyRing _keys;
        private readonly IHmacSha256 _hmac;
        private readonly long _maxClockSkewMs;
        private readonly string[] _recentIds;
        private int _next;
        private int _remembered;

        public CommandVerifier(KeyRing keys, IHmacSha256 hmac, int replayWindow, long maxClockSkewMs)
        {
            if (keys == null)
            {
                throw new System.ArgumentNullException(nameof(keys));
            }

            if (hmac == null)
            {
                throw new System.ArgumentNullException(nameof(hmac));
            }

            if (replayWindow < 1)
            {
                throw new System.ArgumentOutOfRangeException(nameof(replayWindow), "replay window must hold at least 1 command id");
            }

            if (maxClockSkewMs < 0 || maxClockSkewMs > MaxLifetimeMs)
            {
                throw new System.ArgumentOutOfRangeException(nameof(maxClockSkewMs), "clock skew allowance must be between 0 and 600000 ms");
            }

            _keys = keys;
            _hmac = hmac;
            _maxClockSkewMs = maxClockSkewMs;
            _recentIds = new string[replayWindow];
        }

        /// <summary>
        /// Commands issued before this time (ms since the Unix epoch) are refused as Replayed. The
        /// replay ring starts empty after a restart; setting this to the wall-clock time at start
        /// closes the gap in which a command accepted before the restart could be sent again.
        /// Default 0 (no such limit).
        /// </summary>
        public long IssuedNotBefore { get; set; }

        /// <summary>How many accepted ids the replay window remembers.</summary>
        public int ReplayWindow { get { return _recentIds.Length; } }

        public CommandVerdict Verify(SignedCommand c, long currentEpoch, long nowMs)
        {
            string detail;
            return Verify(c, currentEpoch, nowMs, out detail);
        }

        /// <summary>As Verify, with a sentence for the acknowledgement and the log saying why.</summary>
        public CommandVerdict Verify(SignedCommand c, long currentEpoch, long nowMs, out string detail)
        {
            detail = CheckShape(c);
            if (detail.Length > 0)
            {
                return CommandVerdict.Malformed;
            }

            KeyRole role;
            string owner;
            byte[]? key = _keys.Find(c.KeyId, out role, out owner);
            if (key == null)
            {
                detail = "no key with id '" + c.KeyId + "'";
                return CommandVerdict.UnknownKey;
            }

            if (role != KeyRole.Operator)
            {
                // Only operators command; a board or node key that signs one is out of its role.
                detail = "key '" + c.KeyId + "' is the " + SealedChannel.RoleWord(role) + " key of '" + owner + "'; commands need an operator key";
                return CommandVerdict.UnknownKey;
            }

            byte[]? given;
            Hex.TryDecode(c.Signature, out given);
            byte[] expected = _hmac.Compute(key, CommandCanonicalForm.Build(c));
            if (!FixedTimeEquals(expected, given!))
            {
                detail = "signature does not match the command under key '" + c.KeyId + "'";
                return CommandVerdict.BadSignature;
            }

            if (c.IssuedAt > nowMs + _maxClockSkewMs)
            {
                detail = "issued " + (c.IssuedAt - nowMs).ToString() + " ms in the future, more than the allowed clock skew of " + _maxClockSkewMs.ToString() + " ms";
                return CommandVerdict.NotYetValid;
            }

            if (nowMs > c.ExpiresAt)
            {
                detail = "expired " + (nowMs - c.ExpiresAt).ToString() + " ms ago";
                return CommandVerdict.Expired;
            }

            if (c.Epoch != currentEpoch)
            {
                detail = "command carries epoch " + c.Epoch.ToString() + " but the current epoch is " + currentEpoch.ToString();
                return CommandVerdict.StaleEpoch;
            }

            if (c.IssuedAt < IssuedNotBefore)
            {
                detail = "issued before the replay memory began at " + IssuedNotBefore.ToString() + "; it may be a replay";
                return CommandVerdict.Replayed;
            }

            lock (_gate)
            {
                for (int i = 0; i < _remembered; i++)
                {
                    if (_recentIds[i] == c.Id)
                    {
                        detail = "command id '" + c.Id + "' was already accepted";
                        return CommandVerdict.Replayed;
                    }
                }

                _recentIds[_next] = c.Id;
                _next = (_next + 1) % _recentIds.Length;
                if (_remembered < _recentIds.Length)
                {
                    _remembered++;
                }
            }

            detail = "";
            return CommandVerdict.Accepted;
        }

        /// <summary>Returns "" when the command is well formed, else what is wrong with it.</summary>
        private static string CheckShape(SignedCommand c)
        {
            if (c == null)
            {
                return "no command";
            }

            string problem = CheckText("id", c.Id);
            if (problem.Length == 0) { problem = CheckText("key_id", c.KeyId); }
            if (problem.Length == 0) { problem = CheckText("target", c.Target); }
            if (problem.Length > 0)
            {
                return problem;
            }

            if (c.Argument != null && c.Argument.Length > MaxFieldLength)
            {
                return "argument is longer than " + MaxFieldLength.ToString() + " characters";
            }

            int action = (int)c.Action;
            if (action < 0 || action >= ActionCount)
            {
                return "action " + action.ToString() + " is not a known action";
            }

            if (c.Signature == null || c.Signature.Length == 0)
            {
                return "signature is missing";
            }

            byte[]? ignored;
            if (c.Signature.Length != SignatureHexLength || !Hex.TryDecode(c.Signature, out ignored))
            {
                return "signature must be 64 hex digits";
            }

            if (c.IssuedAt < 0)
            {
                return "issued must not be negative";
            }

            if (c.ExpiresAt <= c.IssuedAt)
            {
                return "expires must be later than issued";
            }

            if (c.ExpiresAt - c.IssuedAt > MaxLifetimeMs)
            {
                return "lifetime of " + (c.ExpiresAt - c.IssuedAt).ToString() + " ms is longer than the maximum of " + MaxLifetimeMs.ToString() + " ms";
            }

            return "";
        }

        private static string CheckText(string field, string value)
        {
            if (value == null || value.Length == 0)
            {
                return field + " is missing";
            }

            if (value.Length > MaxFieldLength)
            {
                return field + " is longer than " + MaxFieldLength.ToString() + " characters";
            }

            return "";
        }

        /// <summary>Compares without returning early, so timing does not tell how many leading bytes matched (also for message seals).</summary>
        internal static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a == null || b == null || a.Length != b.Length)
            {
                return false;
            }

            int diff = 0;
            for (int i = 0; i < a.Length; i++)
            {
                diff |= a[i] ^ b[i];
            }

            return diff == 0;
        }
    }
}
