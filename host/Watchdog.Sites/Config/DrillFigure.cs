using System.Globalization;
using System.Text.Json;

namespace Watchdog.Sites.Config;

/// <summary>
/// One drill's result: what <c>watchdogctl dr drill --json</c> writes, one JSON object per line,
/// and what <c>watchdogctl dr report --figures</c> reads.
/// </summary>
/// <param name="Group">The DR group's name (dr_groups[].name).</param>
/// <param name="Scenario">"planned" (an operator moved the ticket) or "unplanned" (the holder site was lost).</param>
/// <param name="SiteRtoMs">From the fault (or the switch command) until the other site's active served.</param>
/// <param name="RpoRows">Committed rows the surviving site does not have.</param>
/// <param name="RpoMs">Age of the newest committed write the surviving site does not have; 0 when none is missing.</param>
/// <param name="OverlapMs">How long both sites ran the active at once; anything but 0 is a safety failure.</param>
/// <param name="Tier">The tier the configuration claimed when the drill ran.</param>
/// <param name="Date">When the drill ran (UTC, ISO 8601).</param>
/// <param name="Commit">The source commit the drill ran.</param>
public sealed record DrillFigure(string Group, string Scenario, long SiteRtoMs, long RpoRows, long RpoMs, long OverlapMs, int Tier, DateTimeOffset Date, string Commit)
{
    public const string Planned = "planned";
    public const string Unplanned = "unplanned";

    private static readonly string[] Fields = ["group", "scenario", "site_rto_ms", "rpo_rows", "rpo_ms", "overlap_ms", "tier", "date", "commit"];

    public string ToJsonLine()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("group", Group);
            w.WriteString("scenario", Scenario);
            w.WriteNumber("site_rto_ms", SiteRtoMs);
            w.WriteNumber("rpo_rows", RpoRows);
            w.WriteNumber("rpo_ms", RpoMs);
            w.WriteNumber("overlap_ms", OverlapMs);
            w.WriteNumber("tier", Tier);
            w.WriteString("date", Date.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            w.WriteString("commit", Commit);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a figures file: blank lines are skipped; every bad line is reported with its number, none is dropped silently.</summary>
    public static (List<DrillFigure> Figures, List<string> Errors) ReadLines(IEnumerable<string> lines)
    {
        var figures = new List<DrillFigure>();
        var errors = new List<string>();
        int number = 0;
        foreach (string line in lines)
        {
            number++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var f = new JsonFields();
                string at = $"line {number}";
                var o = doc.RootElement;
                if (f.Object(o, at, Fields))
                {
                    string? scenario = f.String(o, at, "scenario", required: true);
                    if (scenario is not (null or Planned or Unplanned))
                    {
                        f.Error(at + ".scenario", $"'{scenario}' is not planned or unplanned");
                    }

                    string? date = f.String(o, at, "date", required: true);
                    DateTimeOffset when = default;
                    if (date is not null && !DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out when))
                    {
                        f.Error(at + ".date", $"'{date}' is not a date like 2026-12-02T14:00:00Z");
                    }

                    var figure = new DrillFigure(
                        f.String(o, at, "group", required: true) ?? "",
                        scenario ?? "",
                        f.Milliseconds(o, at, "site_rto_ms", required: true) ?? 0,
                        f.Milliseconds(o, at, "rpo_rows", required: true, "rows") ?? 0,
                        f.Milliseconds(o, at, "rpo_ms", required: true) ?? 0,
                        f.Milliseconds(o, at, "overlap_ms", required: true) ?? 0,
                        f.Milliseconds(o, at, "tier", required: true, "a tier, 0-7") ?? 0,
                        when,
                        f.String(o, at, "commit", required: true) ?? "");
                    if (figure.Tier > 7)
                    {
                        f.Error(at + ".tier", $"{figure.Tier} is not a tier (0-7)");
                    }

                    if (f.Errors.Count == 0)
                    {
                        figures.Add(figure);
                    }
                }

                errors.AddRange(f.Errors);
            }
            catch (JsonException ex)
            {
                errors.Add($"line {number}: not a JSON object: {ex.Message.Split(". ")[0]}");
            }
        }

        return (figures, errors);
    }
}
