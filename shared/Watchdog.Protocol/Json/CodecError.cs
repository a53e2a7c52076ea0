namespace Watchdog.Protocol.Json
{
    /// <summary>What went wrong while reading a payload.</summary>
    public enum CodecErrorCode
    {
        None = 0,
        /// <summary>The payload exceeds JsonLimits.MaxBytes, or an array/object exceeds MaxMembers.</summary>
        TooLarge,
        /// <summary>The payload is not valid UTF-8.</summary>
        InvalidUtf8,
        /// <summary>The payload is not JSON (RFC 8259), or a status word is not one of the table.</summary>
        Syntax,
        /// <summary>Arrays and objects nest deeper than JsonLimits.MaxDepth.</summary>
        TooDeep,
        /// <summary>A string or member name is longer than JsonLimits.MaxStringLength.</summary>
        TooLong,
        /// <summary>A required field of a message is absent.</summary>
        MissingField,
        /// <summary>A field has the wrong JSON type (e.g. a string where an integer belongs).</summary>
        WrongType,
        /// <summary>A field holds a word that is not in the WireWords table for it.</summary>
        UnknownWord,
        /// <summary>A number does not fit the field (too big, negative where it cannot be, not finite).</summary>
        OutOfRange,
    }

    /// <summary>
    /// A typed reading error. Position is the byte offset in the payload (or -1 when it is about a
    /// field rather than a place), Field names the message field ("" when none), and Text is a
    /// sentence for a person, e.g. "at byte 17: expected ':' after a member name".
    /// </summary>
    public sealed class CodecError
    {
        public CodecError(CodecErrorCode code, int position, string field, string text)
        {
            Code = code;
            Position = position;
            Field = field ?? "";
            Text = text ?? "";
        }

        public CodecErrorCode Code { get; }
        public int Position { get; }
        public string Field { get; }
        public string Text { get; }

        /// <summary>An error about a place in the payload.</summary>
        public static CodecError AtByte(CodecErrorCode code, int position, string what)
        {
            return new CodecError(code, position, "", "at byte " + position.ToString() + ": " + what);
        }

        /// <summary>An error about a field of a message.</summary>
        public static CodecError ForField(CodecErrorCode code, string field, int position, string what)
        {
            return new CodecError(code, position, field, "field '" + field + "': " + what);
        }

        public override string ToString()
        {
            return Text;
        }
    }
}
