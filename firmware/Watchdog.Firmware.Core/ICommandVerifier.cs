using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// Checks a signed command's shape, key, signature, freshness, epoch and replay. The glue
    /// passes ProtocolCommandVerifier (the protocol's HMAC CommandVerifier with the cluster keys);
    /// tests may pass their own. currentEpoch is the epoch of the command's target (its group's
    /// epoch, or the board's for a lone node); nowMs is the wall clock in ms since the Unix epoch.
    /// detail says why a command was refused ("" when accepted).
    /// </summary>
    public interface ICommandVerifier
    {
        CommandVerdict Verify(SignedCommand command, long currentEpoch, long nowMs, out string detail);
    }
}
