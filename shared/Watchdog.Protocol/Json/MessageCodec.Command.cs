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
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
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
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            SignedCommand m = new SignedCommand();
            m.Id = r.Text("id", true);
            m.KeyId = r.Text("key_id", false);
            m.Target = r.Text("target", true);
            string action = r.Word("action", true);
            CommandAction actionValue;
            if (!WireWords.TryParse(action, out actionValue))
            {
                r.UnknownWord("action", action, WireWords.Join(WireWords.AllActions()));
            }

            m.Action = actionValue;
            m.Argument = r.Text("arg", false);
            m.Epoch = r.Integer("epoch", true);
            m.IssuedAt = r.Integer("issued_at", true);
            m.ExpiresAt = r.Integer("expires_at", true);
            m.Signature = r.Text("sig", false);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }

        // ---- CommandAck: required id, target, verdict, ts ----

        public static byte[] Encode(CommandAck m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
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
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            CommandAck m = new CommandAck();
            m.Id = r.Text("id", true);
            m.Target = r.Text("target", true);
            string verdict = r.Word("verdict", true);
            CommandVerdict verdictValue;
            if (!WireWords.TryParse(verdict, out verdictValue))
            {
                r.UnknownWord("verdict", verdict, WireWords.Join(WireWords.AllCommandVerdicts()));
            }

            m.Verdict = verdictValue;
            m.Detail = r.Text("detail", false);
            m.Epoch = r.Integer("epoch", false);
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }
    }
}
