using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Messages
{
    /// <summary>
    /// Sent on command/&lt;target&gt; (never retained): an operator's command, signed with the
    /// cluster key. Times are milliseconds since the Unix epoch. Signature is lower-case hex of
    /// HMAC-SHA256 over the canonical form (see Signing.CommandCanonicalForm).
    /// </summary>
    public sealed class SignedCommand
    {
        public string Id { get; set; } = "";
        public string KeyId { get; set; } = "";
        /// <summary>The board, group or node the command is for.</summary>
        public string Target { get; set; } = "";
        public CommandAction Action { get; set; }
        /// <summary>Optional argument, e.g. the node to switch over to; empty when none.</summary>
        public string Argument { get; set; } = "";
        public long Epoch { get; set; }
        public long IssuedAt { get; set; }
        public long ExpiresAt { get; set; }
        public string Signature { get; set; } = "";
    }

    /// <summary>Sent on command/&lt;target&gt;/ack (never retained): what became of a command.</summary>
    public sealed class CommandAck
    {
        public string Id { get; set; } = "";
        public string Target { get; set; } = "";
        public CommandVerdict Verdict { get; set; }
        public string Detail { get; set; } = "";
        public long Epoch { get; set; }
        public long Timestamp { get; set; }
    }

    /// <summary>Fixed beginnings of CommandAck.Detail that a reader may act on (the rest of the sentence may change).</summary>
    public static class CommandRefusals
    {
        /// <summary>
        /// A not-allowed refusal because the board is in its boot grace. watchdogctl recognises it,
        /// waits for BoardStatus.Settled and sends the command again.
        /// </summary>
        public const string Settling = "the board is still settling after its start";
    }
}
