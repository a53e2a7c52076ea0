using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>The protocol's HMAC-SHA256 CommandVerifier (cluster keys, replay window, clock skew) as the core's ICommandVerifier.</summary>
    public sealed class ProtocolCommandVerifier : ICommandVerifier
    {
        /// <summary>64 accepted ids: far more than operators send within a command's lifetime (at most 10 minutes).</summary>
        public const int DefaultReplayWindow = 64;

        /// <summary>30 s: boards and operator machines keep NTP time; more skew than that is a fault worth refusing.</summary>
        public const long DefaultMaxClockSkewMs = 30000;

        private readonly CommandVerifier _verifier;

        public ProtocolCommandVerifier(CommandVerifier verifier)
        {
            if (verifier == null)
            {
                throw new System.ArgumentNullException(nameof(verifier));
            }

            _verifier = verifier;
        }

        /// <summary>Convenience: a verifier over <paramref name="keys"/> with <paramref name="hmac"/> (PortableHmacSha256 on the device).</summary>
        public ProtocolCommandVerifier(KeyRing keys, IHmacSha256 hmac, int replayWindow, long maxClockSkewMs)
            : this(new CommandVerifier(keys, hmac, replayWindow, maxClockSkewMs))
        {
        }

        /// <summary>The device's choice: the portable HMAC, the default replay window and clock skew.</summary>
        public ProtocolCommandVerifier(KeyRing keys)
            : this(keys, new PortableHmacSha256(), DefaultReplayWindow, DefaultMaxClockSkewMs)
        {
        }

        public CommandVerdict Verify(SignedCommand command, long currentEpoch, long nowMs, out string detail)
        {
            return _verifier.Verify(command, currentEpoch, nowMs, out detail);
        }
    }
}
