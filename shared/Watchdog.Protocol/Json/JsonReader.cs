using Watchdog.Protocol.Text;

namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// The recursive-descent work of JsonParser over bytes already known to be valid UTF-8 and
    /// within the size limit. On the first error it records it and unwinds (every method returns
    /// null once Error is set); it does not throw.
    /// </summary>
    internal sealed class JsonReader
    {
        private readonly byte[] _b;
        private readonly int _start;
        private readonly int _end;
        private readonly JsonLimits _limits;
        private int _p;
        private int _depth;
        private char[] _scratch;

        internal JsonReader(byte[] bytes, int offset, int count, JsonLimits limits)
        {
            _b = bytes;
            _start = offset;
            _end = offset + count;
            _p = offset;
            _limits = limits;
            _depth = 0;
            _scratch = new char[count < 64 ? count + 1 : 64];
        }

        internal CodecError? Error { get; private set; }

        internal JsonNode? ReadDocument()
        {
            SkipWhitespace();
            if (_p >= _end)
            {
                Fail(CodecErrorCode.Syntax, "the payload is empty; expected a JSON value");
                return null;
            }

            JsonNode? value = ReadValue();
            if (value == null)
            {
                return null;
            }

            SkipWhitespace();
            if (_p < _end)
            {
                Fail(CodecErrorCode.Syntax, "unexpected " + Describe(_b[_p]) + " after the end of the JSON value");
                return null;
            }

            return value;
        }

        private JsonNode? ReadValue()
        {
            if (_p >= _end)
            {
                Fail(CodecErrorCode.Syntax, "the payload ends where a value was expected");
                return null;
            }

            byte c = _b[_p];
            switch (c)
            {
                case (byte)'{': return ReadContainer(true);
                case (byte)'[': return ReadContainer(false);
                case (byte)'"':
                    {
                        int at = _p - _start;
                        string? s = ReadString("string");
                        return s == null ? null : JsonNode.Text(s, at);
                    }

                case (byte)'t': return ReadLiteral("true", JsonKind.True);
                case (byte)'f': return ReadLiteral("false", JsonKind.False);
                case (byte)'n': return ReadLiteral("null", JsonKind.Null);
                default:
                    if (c == (byte)'-' || (c >= (byte)'0' && c <= (byte)'9'))
                    {
                        return ReadNumber();
                    }

                    Fail(CodecErrorCode.Syntax, "expected a value (object, array, string, number, true, false or null) but found " + Describe(c));
                    return null;
            }
        }

        private JsonNode? ReadContainer(bool isObject)
        {
            int at = _p - _start;
            _depth++;
            if (_depth > _limits.MaxDepth)
            {
                Fail(CodecErrorCode.TooDeep, "arrays and objects nest deeper than the limit of " + _limits.MaxDepth.ToString());
                return null;
            }

            _p++;
            JsonNode[] items = new JsonNode[4];
            string[]? names = isObject ? new string[4] : null;
            int count = 0;
            char close = isObject ? '}' : ']';

            SkipWhitespace();
            if (_p < _end && _b[_p] == (byte)close)
            {
                _p++;
                _depth--;
                return JsonNode.Container(isObject ? JsonKind.Object : JsonKind.Array, at, new JsonNode[0], isObject ? new string[0] : null, 0);
            }

            while (true)
            {
                SkipWhitespace();
                string? name = null;
                if (isObject)
                {
                    if (_p >= _end || _b[_p] != (byte)'"')
                    {
                        Fail(CodecErrorCode.Syntax, _p >= _end ? "the payload ends inside an object; expected a member name" : "expected a member name in double quotes but found " + Describe(_b[_p]));
                        return null;
                    }

                    int nameAt = _p;
                    name = ReadString("member name");
                    if (name == null)
                    {
                        return null;
                    }

                    for (int i = 0; i < count; i++)
                    {
                        if (names![i] == name)
                        {
                            _p = nameAt;
                            Fail(CodecErrorCode.Syntax, "duplicate member name '" + name + "'");
                            return null;
                        }
                    }

                    SkipWhitespace();
                    if (_p >= _end || _b[_p] != (byte)':')
                    {
                        Fail(CodecErrorCode.Syntax, "expected ':' after a member name");
                        return null;
                    }

                    _p++;
                    SkipWhitespace();
                }

                if (count >= _limits.MaxMembers)
                {
                    Fail(CodecErrorCode.TooLarge, (isObject ? "object has more members" : "array has more elements") + " than the limit of " + _limits.MaxMembers.ToString());
                    return null;
                }

                JsonNode? value = ReadValue();
                if (value == null)
                {
                    return null;
                }

                if (count == items.Length)
                {
                    items = Grow(items);
                    if (names != null)
                    {
                        names = Grow(names);
                    }
                }

                items[count] = value;
                if (names != null)
                {
                    names[count] = name!;
                }

                count++;
                SkipWhitespace();
                if (_p >= _end)
                {
                    Fail(CodecErrorCode.Syntax, isObject ? "the payload ends inside an object; expected ',' or '}'" : "the payload ends inside an array; expected ',' or ']'");
                    return null;
                }

                byte c = _b[_p];
                if (c == (byte)',')
                {
                    _p++;
                    continue;
                }

                if (c == (byte)close)
                {
                    _p++;
                    break;
                }

                Fail(CodecErrorCode.Syntax, "expected ',' or '" + close.ToString() + "' but found " + Describe(c));
                return null;
            }

            _depth--;
            return JsonNode.Container(isObject ? JsonKind.Object : JsonKind.Array, at, Trim(items, count), names == null ? null : Trim(names, count), count);
        }

        /// <summary>Reads a quoted string at _p (which is '"'), unescaping into the scratch buffer.</summary>
        private string? ReadString(string what)
        {
            _p++;
            int n = 0;
            int max = _limits.MaxStringLength;
            while (true)
            {
                if (_p >= _end)
                {
                    Fail(CodecErrorCode.Syntax, "the payload ends inside a " + what + "; expected a closing '\"'");
                    return null;
                }

                int c = _b[_p];
                if (c == '"')
                {
                    _p++;
                    return new string(_scratch, 0, n);
                }

                if (c < 0x20)
                {
                    Fail(CodecErrorCode.Syntax, "control character 0x" + HexDigits.OfByte(c) + " inside a " + what + " must be escaped");
                    return null;
                }

                // Room for up to two UTF-16 units.
                if (n + 2 > _scratch.Length)
                {
                    if (n >= max)
                    {
                        FailTooLong(what);
                        return null;
                    }

                    int size = _scratch.Length * 2;
                    if (size > max + 2)
                    {
                        size = max + 2;
                    }

                    char[] bigger = new char[size];
                    System.Array.Copy(_scratch, bigger, n);
                    _scratch = bigger;
                }

                if (c == '\\')
                {
                    int unit = ReadEscape(what);
                    if (unit < 0)
                    {
                        return null;
                    }

                    if (unit >= 0xD800 && unit <= 0xDBFF)
                    {
                        // A high surrogate must be followed by an escaped low surrogate.
                        if (_p + 1 < _end && _b[_p] == '\\' && _b[_p + 1] == 'u')
                        {
                            int low = ReadEscape(what);
                            if (low < 0)
                            {
                                return null;
                            }

                            if (low < 0xDC00 || low > 0xDFFF)
                            {
                                _p -= 6;
                                Fail(CodecErrorCode.Syntax, "a high surrogate escape must be followed by a low surrogate escape in a " + what);
                                return null;
                            }

                            _scratch[n++] = (char)unit;
                            _scratch[n++] = (char)low;
                        }
                        else
                        {
                            Fail(CodecErrorCode.Syntax, "unpaired high surrogate escape in a " + what);
                            return null;
                        }
                    }
                    else if (unit >= 0xDC00 && unit <= 0xDFFF)
                    {
                        _p -= 6;
                        Fail(CodecErrorCode.Syntax, "unpaired low surrogate escape in a " + what);
                        return null;
                    }
                    else
                    {
                        _scratch[n++] = (char)unit;
                    }
                }
                else
                {
                    int cp;
                    int len = Utf8.DecodeAt(_b, _p, _end, out cp);
                    if (len == 0)
                    {
                        // Cannot happen after the UTF-8 check, but stay safe.
                        Fail(CodecErrorCode.InvalidUtf8, "invalid UTF-8 inside a " + what);
                        return null;
                    }

                    _p += len;
                    n += Utf8.PutCodePoint(cp, _scratch, n);
                }

                if (n > max)
                {
                    FailTooLong(what);
                    return null;
                }
            }
        }

        /// <summary>Reads one escape at _p ('\\'); returns the UTF-16 unit, or -1 after an error.</summary>
        private int ReadEscape(string what)
        {
            if (_p + 1 >= _end)
            {
                Fail(CodecErrorCode.Syntax, "the payload ends inside an escape in a " + what);
                return -1;
            }

            int e = _b[_p + 1];
            switch (e)
            {
                case '"': _p += 2; return '"';
                case '\\': _p += 2; return '\\';
                case '/': _p += 2; return '/';
                case 'b': _p += 2; return '\b';
                case 'f': _p += 2; return '\f';
                case 'n': _p += 2; return '\n';
                case 'r': _p += 2; return '\r';
                case 't': _p += 2; return '\t';
                case 'u':
                    {
                        if (_end - _p < 6)
                        {
                            Fail(CodecErrorCode.Syntax, "the payload ends inside a \\u escape in a " + what);
                            return -1;
                        }

                        int v = 0;
                        for (int i = 2; i < 6; i++)
                        {
                            int d = HexDigits.Value(_b[_p + i]);
                            if (d < 0)
                            {
                                Fail(CodecErrorCode.Syntax, "a \\u escape needs four hex digits in a " + what);
                                return -1;
                            }

                            v = (v << 4) | d;
                        }

                        _p += 6;
                        return v;
                    }

                default:
                    Fail(CodecErrorCode.Syntax, "unknown escape '\\" + Printable(e) + "' in a " + what);
                    return -1;
            }
        }

        private JsonNode? ReadNumber()
        {
            int begin = _p;
            int at = _p - _start;
            bool negative = false;
            bool integral = true;
            if (_b[_p] == '-')
            {
                negative = true;
                _p++;
            }

            if (_p >= _end || !IsDigit(_b[_p]))
            {
                Fail(CodecErrorCode.Syntax, "expected a digit in a number");
                return null;
            }

            if (_b[_p] == '0')
            {
                _p++;
                if (_p < _end && IsDigit(_b[_p]))
                {
                    Fail(CodecErrorCode.Syntax, "a number must not have a leading zero");
                    return null;
                }
            }
            else
            {
                while (_p < _end && IsDigit(_b[_p]))
                {
                    _p++;
                }
            }

            int intEnd = _p;
            if (_p < _end && _b[_p] == '.')
            {
                integral = false;
                _p++;
                if (_p >= _end || !IsDigit(_b[_p]))
                {
                    Fail(CodecErrorCode.Syntax, "expected a digit after the decimal point");
                    return null;
                }

                while (_p < _end && IsDigit(_b[_p]))
                {
                    _p++;
                }
            }

            if (_p < _end && (_b[_p] == 'e' || _b[_p] == 'E'))
            {
                integral = false;
                _p++;
                if (_p < _end && (_b[_p] == '+' || _b[_p] == '-'))
                {
                    _p++;
                }

                if (_p >= _end || !IsDigit(_b[_p]))
                {
                    Fail(CodecErrorCode.Syntax, "expected a digit in the exponent of a number");
                    return null;
                }

                while (_p < _end && IsDigit(_b[_p]))
                {
                    _p++;
                }
            }

            if (integral)
            {
                // Accumulate negatively so that long.MinValue fits.
                long v = 0;
                bool overflow = false;
                for (int i = negative ? begin + 1 : begin; i < intEnd; i++)
                {
                    int d = _b[i] - '0';
                    if (v < (long.MinValue + d) / 10)
                    {
                        overflow = true;
                        break;
                    }

                    v = (v * 10) - d;
                }

                if (!overflow && (negative || v != long.MinValue))
                {
                    return JsonNode.Integer(negative ? v : -v, at);
                }
            }

            char[] text = new char[_p - begin];
            for (int i = 0; i < text.Length; i++)
            {
                text[i] = (char)_b[begin + i];
            }

            double d2;
            if (!InvariantNumber.TryParseDouble(new string(text), out d2))
            {
                _p = begin;
                Fail(CodecErrorCode.OutOfRange, "number cannot be read as a double");
                return null;
            }

            if (double.IsInfinity(d2) || double.IsNaN(d2))
            {
                _p = begin;
                Fail(CodecErrorCode.OutOfRange, "number is too large for a double");
                return null;
            }

            return JsonNode.Real(d2, at);
        }

        private JsonNode? ReadLiteral(string word, JsonKind kind)
        {
            int at = _p - _start;
            for (int i = 0; i < word.Length; i++)
            {
                if (_p + i >= _end || _b[_p + i] != word[i])
                {
                    Fail(CodecErrorCode.Syntax, "expected '" + word + "'");
                    return null;
                }
            }

            _p += word.Length;
            return JsonNode.Literal(kind, at);
        }

        private void SkipWhitespace()
        {
            while (_p < _end)
            {
                byte c = _b[_p];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                {
                    return;
                }

                _p++;
            }
        }

        private void Fail(CodecErrorCode code, string what)
        {
            if (Error == null)
            {
                Error = CodecError.AtByte(code, _p - _start, what);
            }
        }

        private void FailTooLong(string what)
        {
            Fail(CodecErrorCode.TooLong, "a " + what + " is longer than the limit of " + _limits.MaxStringLength.ToString() + " characters");
        }

        private static bool IsDigit(byte c)
        {
            return c >= '0' && c <= '9';
        }

        private static string Describe(byte c)
        {
            if (c >= 0x20 && c < 0x7F)
            {
                return "'" + ((char)c).ToString() + "'";
            }

            return "byte 0x" + HexDigits.OfByte(c);
        }

        private static string Printable(int c)
        {
            return c >= 0x20 && c < 0x7F ? ((char)c).ToString() : "0x" + HexDigits.OfByte(c);
        }

        private static JsonNode[] Grow(JsonNode[] a)
        {
            JsonNode[] b = new JsonNode[a.Length * 2];
            System.Array.Copy(a, b, a.Length);
            return b;
        }

        private static string[] Grow(string[] a)
        {
            string[] b = new string[a.Length * 2];
            System.Array.Copy(a, b, a.Length);
            return b;
        }

        private static JsonNode[] Trim(JsonNode[] a, int count)
        {
            if (a.Length == count)
            {
                return a;
            }

            JsonNode[] b = new JsonNode[count];
            System.Array.Copy(a, b, count);
            return b;
        }

        private static string[] Trim(string[] a, int count)
        {
            if (a.Length == count)
            {
                return a;
            }

            string[] b = new string[count];
            System.Array.Copy(a, b, count);
            return b;
        }
    }
}
