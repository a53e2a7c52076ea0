using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Json
{
    // Operator commands and their acknowledgements.
    public static partial class MessageCodec
    {
        // ---- SignedCommand: required id, target, action, epoch, issued_at, expires_at ----
        // key_id and sig are optional here on purpose: a command without them decodes, and the
        // verifier refuses it as malformed with its reason, so the refusal is acknowledged like
        // any other instead of vanishing as a decode error.

        public static byte[] Encode(SignedCommand m)
        {
            return EncodeWith(SignedCommandFields, m);
        }

        public static bool TryDecode(byte[] payload, out SignedCommand? message, out CodecError? error)
        {
            message = (SignedCommand?)DecodeWith(SignedCommandFields, payload, new SignedCommand(), out error);
            return message != null;
        }

        private static void SignedCommandFields(MessageFields f, object message)
        {
            SignedCommand m = (SignedCommand)message;
            m.Id = f.Text("id", m.Id, Required);
            m.KeyId = f.Text("key_id", m.KeyId, Optional);
            m.Target = f.Text("target", m.Target, Required);
            m.Action = (CommandAction)f.Word("action", (int)m.Action, WireWords.Actions, Required);
            m.Argument = f.Text("arg", m.Argument, Optional);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            m.IssuedAt = f.Integer("issued_at", m.IssuedAt, Required);
            m.ExpiresAt = f.Integer("expires_at", m.ExpiresAt, Required);
            m.Signature = f.Text("sig", m.Signature, Optional);
        }

        // ---- CommandAck: required id, target, verdict, ts ----

        public static byte[] Encode(CommandAck m)
        {
            return EncodeWith(CommandAckFields, m);
        }

        public static bool TryDecode(byte[] payload, out CommandAck? message, out CodecError? error)
        {
            message = (CommandAck?)DecodeWith(CommandAckFields, payload, new CommandAck(), out error);
            return message != null;
        }

        private static void CommandAckFields(MessageFields f, object message)
        {
            CommandAck m = (CommandAck)message;
            m.Id = f.Text("id", m.Id, Required);
            m.Target = f.Text("target", m.Target, Required);
            m.Verdict = (CommandVerdict)f.Word("verdict", (int)m.Verdict, WireWords.CommandVerdicts, Required);
            m.Detail = f.Text("detail", m.Detail, Optional);
            m.Epoch = f.Integer("epoch", m.Epoch, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }
    }
}
