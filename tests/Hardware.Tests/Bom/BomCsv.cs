using System.Globalization;
using System.Text;

namespace Hardware.Tests.Bom;

/// <summary>A bill of materials that is not well formed: the message names the file, line and column.</summary>
internal sealed class BomFormatException(string message) : Exception(message);

internal sealed record BomLine(int LineNumber, string Item, string PartNumber, string Manufacturer, string Description, int Qty, decimal UnitPrice, decimal LineTotal, string UsedFor);

internal sealed record BillOfMaterials(IReadOnlyList<BomLine> Lines, decimal Total);

/// <summary>
/// Reads hardware/bom-*.csv (RFC 4180: commas, double-quoted fields, "" for a quote) and checks
/// the arithmetic: every line total is qty x unit price, the TOTAL row is the sum of the lines.
/// </summary>
internal static class BomCsv
{
    public static readonly string[] Header =
        ["item", "part_number", "manufacturer", "description", "qty", "unit_price_usd", "line_total_usd", "used_for"];

    public static BillOfMaterials Read(string text, string source)
    {
        var rows = Rows(text, source);
        if (rows.Count < 3)
        {
            throw new BomFormatException($"{source}: needs a header, at least one part and a TOTAL row");
        }
        if (!rows[0].Fields.SequenceEqual(Header))
        {
            throw new BomFormatException($"{source}: header must be {string.Join(",", Header)}, found {string.Join(",", rows[0].Fields)}");
        }

        var lines = new List<BomLine>();
        foreach (var (number, f) in rows.Skip(1).SkipLast(1))
        {
            Expect(f.Count == Header.Length, source, number, $"has {f.Count} fields, the header has {Header.Length}");
            Expect(f[0] == (lines.Count + 1).ToString(CultureInfo.InvariantCulture), source, number, $"item is \"{f[0]}\", expected {lines.Count + 1}");
            Expect(f[1].Length > 0, source, number, "part_number is empty");
            Expect(int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out var qty) && qty > 0, source, number, $"qty \"{f[4]}\" is not a positive whole number");
            var unit = Money(f[5], source, number, "unit_price_usd");
            var total = Money(f[6], source, number, "line_total_usd");
            Expect(total == qty * unit, source, number, $"line_total_usd {total} is not qty {qty} x {unit} = {qty * unit}");
            lines.Add(new BomLine(number, f[0], f[1], f[2], f[3], qty, unit, total, f[7]));
        }

        var (lastNumber, last) = rows[^1];
        Expect(last.Count == Header.Length && last[0] == "TOTAL", source, lastNumber, "the last row must be TOTAL with all columns");
        var sum = lines.Sum(l => l.LineTotal);
        var stated = Money(last[6], source, lastNumber, "line_total_usd");
        Expect(stated == sum, source, lastNumber, $"TOTAL says {stated} but the lines add up to {sum}");
        return new BillOfMaterials(lines, stated);
    }

    private static decimal Money(string field, string source, int line, string column)
    {
        // Two decimals exactly, so a typo like "1.6" or "1,60" is caught rather than guessed.
        var ok = field.Length >= 4 && field[^3] == '.'
            && decimal.TryParse(field, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value);
        Expect(ok, source, line, $"{column} \"{field}\" is not an amount like 12.50");
        return decimal.Parse(field, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
    }

    private static void Expect(bool condition, string source, int line, string what)
    {
        if (!condition)
        {
            throw new BomFormatException($"{source} line {line}: {what}");
        }
    }

    private static List<(int Line, List<string> Fields)> Rows(string text, string source)
    {
        var rows = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var line = 1;
        var rowStart = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    break;
                case '"':
                    throw new BomFormatException($"{source} line {line}: a quote inside an unquoted field");
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    rows.Add((rowStart, fields));
                    fields = [];
                    line++;
                    rowStart = line;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }
        if (quoted)
        {
            throw new BomFormatException($"{source} line {rowStart}: a quoted field is never closed");
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            rows.Add((rowStart, fields));
        }
        return rows;
    }
}
