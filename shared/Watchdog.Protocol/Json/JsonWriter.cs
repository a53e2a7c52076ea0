using Watchdog.Protocol.Text;

namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// Writes compact JSON into a char buffer it grows itself (the device has no StringBuilder).
    /// Commas are placed for the caller; strings are escaped per RFC 8259 (quote, backslash and
    /// control characters; everything else is written as UTF-8 so a person can read it); doubles
    /// are written so that they parse back to the same value, NaN and infinities as null.
    /// Reuse one writer with Reset() to avoid garbage.
    /// </summary>
    public sealed class JsonWriter
    {
        private char[] _buf;
        private int _n;

        // _needComma[d] is true when the container at depth d already has an item.
        private bool[] _needComma;
        private int _depth;
        private bool _afterName;

        public JsonWriter() : this(256)
        {
        }

        public JsonWriter(int initialCapacity)
        {
            _buf = new char[initialCapacity < 16 ? 16 : initialCapacity];
            _needComma = new bool[8];
            Reset();
        }

        /// <summary>Characters written so far.</summary>
        public int Length { get { return _n; } }

        public void Reset()
        {
            _n = 0;
            _depth = 0;
            _needComma[0] = false;
            _afterName = false;
        }

        public void BeginObject()
        {
            BeforeValue();
            Put('{');
            Push();
        }

        public void EndObject()
        {
            Pop();
            Put('}');
        }

        public void BeginArray()
        {
            BeforeValue();
            Put('[');
            Push();
        }

        public void EndArray()
        {
            Pop();
            Put(']');
        }

        /// <summary>Writes a member name; the next call writes its value.</summary>
        public void Name(string name)
        {
            BeforeValue();
            WriteQuoted(name);
            Put(':');
            _afterName = true;
        }

        public void String(string value)
        {
            BeforeValue();
            WriteQuoted(value);
        }

        public void Int64(long value)
        {
            BeforeValue();
            WriteInteger(value);
        }

        public void Double(double value)
        {
            BeforeValue();
            if (double.IsNaN(value) || double.IsInfinity(value))
            {
                PutRaw("null");
                return;
            }

            PutRaw(InvariantNumber.FormatDouble(value));
        }

        public void Boolean(bool value)
        {
            BeforeValue();
            PutRaw(value ? "true" : "false");
        }

        public void Null()
        {
            BeforeValue();
            PutRaw("null");
        }

        // Shorthands for "name": value.
        public void Member(string name, string value) { Name(name); String(value); }

        public void Member(string name, long value) { Name(name); Int64(value); }

        public void Member(string name, bool value) { Name(name); Boolean(value); }

        public void MemberDouble(string name, double value) { Name(name); Double(value); }

        /// <summary>An array of strings as one member.</summary>
        public void Member(string name, string[] values)
        {
            Name(name);
            BeginArray();
            if (values != null)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    String(values[i]);
                }
            }

            EndArray();
        }

        /// <summary>An array of booleans as one member.</summary>
        public void Member(string name, bool[] values)
        {
            Name(name);
            BeginArray();
            if (values != null)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    Boolean(values[i]);
                }
            }

            EndArray();
        }

        /// <summary>An array of integers as one member.</summary>
        public void Member(string name, long[] values)
        {
            Name(name);
            BeginArray();
            if (values != null)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    Int64(values[i]);
                }
            }

            EndArray();
        }

        /// <summary>The text as UTF-8 (lone surrogates become U+FFFD).</summary>
        public byte[] ToUtf8()
        {
            int count = 0;
            for (int i = 0; i < _n; i++)
            {
                char c = _buf[i];
                if (c < 0x80)
                {
                    count += 1;
                }
                else if (c < 0x800)
                {
                    count += 2;
                }
                else if (Utf8.IsHighSurrogate(c) && i + 1 < _n && Utf8.IsLowSurrogate(_buf[i + 1]))
                {
                    count += 4;
                    i++;
                }
                else
                {
                    count += 3;
                }
            }

            byte[] result = new byte[count];
            int p = 0;
            for (int i = 0; i < _n; i++)
            {
                int cp = _buf[i];
                if (cp < 0x80)
                {
                    result[p++] = (byte)cp;
                    continue;
                }

                if (Utf8.IsHighSurrogate((char)cp) && i + 1 < _n && Utf8.IsLowSurrogate(_buf[i + 1]))
                {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (_buf[i + 1] - 0xDC00);
                    i++;
                }
                else if (cp >= 0xD800 && cp <= 0xDFFF)
                {
                    cp = 0xFFFD;
                }

                p += Utf8.EncodeCodePoint(cp, result, p);
            }

            return result;
        }

        public override string ToString()
        {
            return new string(_buf, 0, _n);
        }

        private void BeforeValue()
        {
            if (_afterName)
            {
                _afterName = false;
                return;
            }

            if (_needComma[_depth])
            {
                Put(',');
            }

            _needComma[_depth] = true;
        }

        private void Push()
        {
            _depth++;
            if (_depth == _needComma.Length)
            {
                bool[] bigger = new bool[_needComma.Length * 2];
                System.Array.Copy(_needComma, bigger, _needComma.Length);
                _needComma = bigger;
            }

            _needComma[_depth] = false;
        }

        private void Pop()
        {
            if (_depth == 0)
            {
                throw new System.InvalidOperationException("JsonWriter: End without a matching Begin");
            }

            _depth--;
        }

        private void WriteQuoted(string s)
        {
            Put('"');
            if (s != null)
            {
                for (int i = 0; i < s.Length; i++)
                {
                    char c = s[i];
                    switch (c)
                    {
                        case '"': Put('\\'); Put('"'); break;
                        case '\\': Put('\\'); Put('\\'); break;
                        case '\n': Put('\\'); Put('n'); break;
                        case '\r': Put('\\'); Put('r'); break;
                        case '\t': Put('\\'); Put('t'); break;
                        case '\b': Put('\\'); Put('b'); break;
                        case '\f': Put('\\'); Put('f'); break;
                        default:
                            if (c < 0x20 || c == 0x7F)
                            {
                                Put('\\');
                                Put('u');
                                Put('0');
                                Put('0');
                                Put(HexDigits.Lower[(c >> 4) & 15]);
                                Put(HexDigits.Lower[c & 15]);
                            }
                            else
                            {
                                Put(c);
                            }

                            break;
                    }
                }
            }

            Put('"');
        }

        private void WriteInteger(long value)
        {
            if (value == 0)
            {
                Put('0');
                return;
            }

            // Work with the negative magnitude so that long.MinValue needs no special case.
            long v = value < 0 ? value : -value;
            int digits = 0;
            for (long t = v; t != 0; t /= 10)
            {
                digits++;
            }

            if (value < 0)
            {
                Put('-');
            }

            Ensure(digits);
            int end = _n + digits;
            for (int i = end - 1; i >= _n; i--)
            {
                _buf[i] = (char)('0' - (int)(v % 10));
                v /= 10;
            }

            _n = end;
        }

        private void PutRaw(string s)
        {
            Ensure(s.Length);
            for (int i = 0; i < s.Length; i++)
            {
                _buf[_n++] = s[i];
            }
        }

        private void Put(char c)
        {
            if (_n == _buf.Length)
            {
                Ensure(1);
            }

            _buf[_n++] = c;
        }

        private void Ensure(int more)
        {
            if (_n + more <= _buf.Length)
            {
                return;
            }

            int size = _buf.Length * 2;
            while (size < _n + more)
            {
                size *= 2;
            }

            char[] bigger = new char[size];
            System.Array.Copy(_buf, bigger, _n);
            _buf = bigger;
        }
    }
}
