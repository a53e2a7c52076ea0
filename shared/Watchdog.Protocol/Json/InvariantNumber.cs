namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// Doubles to and from text with '.' as the decimal point whatever the host's culture. On the
    /// device mscorlib has no CultureInfo.InvariantCulture (nor culture-dependent number formats),
    /// so the plain calls are the invariant ones there; on .NET the invariant culture is passed
    /// explicitly. This is the only place the two builds differ.
    /// The exact round trip of FormatDouble is tested on .NET only. The device's native double
    /// formatting has known precision bugs (nanoframework/Home#679, #1484); its output is still a
    /// JSON number (checked by the reader) but may be off in the last digits. Only NodeMetrics,
    /// which agents publish from .NET, carries doubles; the board's messages use integers.
    /// </summary>
    internal static class InvariantNumber
    {
        internal static bool TryParseDouble(string text, out double value)
        {
#if NETCOREAPP
            return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value);
#else
            return double.TryParse(text, out value);
#endif
        }

        /// <summary>
        /// The shortest of 15, 16 or 17 significant digits that reads back to the same double.
        /// Integral values below 1e15 print as integers ("42", not "4.2E+01").
        /// </summary>
        internal static string FormatDouble(double value)
        {
            if (value == 0)
            {
                return "0";
            }

            if (value > -1e15 && value < 1e15 && value == (long)value)
            {
                return ((long)value).ToString();
            }

            string text = Format(value, "G15");
            double back;
            if (TryParseDouble(text, out back) && back == value)
            {
                return text;
            }

            text = Format(value, "G16");
            if (TryParseDouble(text, out back) && back == value)
            {
                return text;
            }

            return Format(value, "G17");
        }

        private static string Format(double value, string format)
        {
#if NETCOREAPP
            return value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
#else
            return value.ToString(format);
#endif
        }
    }
}
