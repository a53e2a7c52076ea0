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
            lock (Gate)
            {
                Write(Restart(m), m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, SignedCommand m)
        {
            w.BeginObject();
            w.Member("id", m.Id);
            w.Member("key_id", m.KeyId);
            w.Member("target", m.Target);
            w.Member("action", WireWords.Of(m.Action));
            w.Member("arg", m.Argument);
            w.Member("epoch", m.Epoch);
            w.Member("issued_at", m.IssuedAt);
            w.Member("expires_at", m.ExpiresAt);
            w.Member("sig", m.Signature);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out SignedCommand? message, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            SignedCommand? m = r == null ? null : Read(r, new SignedCommand());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static SignedCommand Read(FieldReader r, SignedCommand m)
        {
            m.Id = r.Text("id", true);
            m.KeyId = r.Text("key_id", false);
            m.Target = r.Text("target", true);
            m.Action = (CommandAction)r.WordIndex("action", true, WireWords.Actions);
            m.Argument = r.Text("arg", false);
            m.Epoch = r.Integer("epoch", true);
            m.IssuedAt = r.Integer("issued_at", true);
            m.ExpiresAt = r.Integer("expires_at", true);
            m.Signature = r.Text("sig", false);
            return m;
        }

        // ---- CommandAck: required id, target, verdict, ts ----

        public static byte[] Encode(CommandAck m)
        {
            lock (Gate)
            {
                Write(Restart(m), m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, CommandAck m)
        {
            w.BeginObject();
            w.Member("id", m.Id);
            w.Member("target", m.Target);
            w.Member("verdict", WireWords.Of(m.Verdict));
            w.Member("detail", m.Detail);
            w.Member("epoch", m.Epoch);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out CommandAck? message, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            CommandAck? m = r == null ? null : Read(r, new CommandAck());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static CommandAck Read(FieldReader r, CommandAck m)
        {
            m.Id = r.Text("id", true);
            m.Target = r.Text("target", true);
            m.Verdict = (CommandVerdict)r.WordIndex("verdict", true, WireWords.CommandVerdicts);
            m.Detail = r.Text("detail", false);
            m.Epoch = r.Integer("epoch", false);
            m.Timestamp = r.Integer("ts", true);
            return m;
        }
    }
}
