using System.Globalization;
using System.Text.Json;

namespace Watchdog.Sites.Config;

/// <summary>
/// One drill's result: what <c>watchdogctl dr drill --json</c> writes, one JSON object per line,
/// and what <c>watchdogctl dr report --figures</c> reads. A drill's line is its unplanned loss of
/// a site with the planned switch of the same drill nested in <c>planned</c>; reading it gives
/// both figures.
/// </summary>
/// <param name="Group">The DR group's name (dr_groups[].name).</param>
/// <param name="Scenario">"planned" (an operator moved the ticket) or "unplanned" (the holder site was lost).</param>
/// <param name="SiteRtoMs">From the fault (or the switch command) until the other site's active served.</param>
/// <param name="RpoRows">Committed rows the surviving site does not have; null when the drill could not measure it (<see cref="RpoNotMeasured"/> says why).</param>
/// <param name="RpoMs">Age of the newest committed write the surviving site does not have; 0 when none is missing; null when not measured.</param>
/// <param name="OverlapMs">How long both sites ran the active at once; anything but 0 is a safety failure.</param>
/// <param name="Tier">The tier `dr report` gave the group with this drill's figures, on the configuration the drill ran.</param>
/// <param name="Date">When the drill ran (UTC, ISO 8601).</param>
/// <param name="Commit">The source commit the drill ran.</param>
public sealed record DrillFigure(string Group, string Scenario, long SiteRtoMs, long? RpoRows, long? RpoMs, long OverlapMs, int Tier, DateTimeOffset Date, string Commit)
{
    public const string Planned = "planned";
    public const string Unplanned = "unplanned";

    private static readonly string[] Fields =
        ["group", "scenario", "site_rto_ms", "rpo_rows", "rpo_ms", "rpo_measured", "rpo_reason", "overlap_ms", "tier", "configured_tier", "epoch_before", "epoch_after", "date", "commit", "planned"];

    /// <summary>Why no RPO was measured (null when it was): a drill that could not count lost rows says so instead of claiming 0.</summary>
    public string? RpoNotMeasured { get; init; }

    /// <summary>The tier the configuration alone gives the group (null on lines that do not say).</summary>
    public int? ConfiguredTier { get; init; }

    /// <summary>The group's epoch at the old site before the switch, and at the new site after it (null when not recorded).</summary>
    public long? EpochBefore { get; init; }

    public long? EpochAfter { get; init; }

    /// <summary>On an unplanned figure: the planned switch of the same drill (null when none ran).</summary>
    public DrillFigure? PlannedSwitch { get; init; }

    public bool RpoMeasured => RpoNotMeasured is null;

    /// <summary>Both figures of a drill, planned first (the nested one), then this one.</summary>
    public IEnumerable<DrillFigure> WithNested() => PlannedSwitch is null ? [this] : [PlannedSwitch, this];

    public string ToJsonLine()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("group", Group);
        w.WriteString("scenario", Scenario);
        w.WriteNumber("site_rto_ms", SiteRtoMs);
        WriteNumberOrNull(w, "rpo_rows", RpoRows);
        WriteNumberOrNull(w, "rpo_ms", RpoMs);
        if (RpoNotMeasured is not null)
        {
            // Only when false: a line without it is a measured one, as lines were before the field.
            w.WriteBoolean("rpo_measured", false);
            w.WriteString("rpo_reason", RpoNotMeasured);
        }

        w.WriteNumber("overlap_ms", OverlapMs);
        w.WriteNumber("tier", Tier);
        if (ConfiguredTier is { } configured)
        {
            w.WriteNumber("configured_tier", configured);
        }

        if (EpochBefore is { } before)
        {
            w.WriteNumber("epoch_before", before);
        }

        if (EpochAfter is { } after)
        {
            w.WriteNumber("epoch_after", after);
        }

        w.WriteString("date", Date.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        w.WriteString("commit", Commit);
        if (PlannedSwitch is not null)
        {
            w.WritePropertyName("planned");
            PlannedSwitch.Write(w);
        }

        w.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>
    /// Reads a figures file: blank lines are skipped; a line with a nested <c>planned</c> figure
    /// gives both; every bad line is reported with its number, none is dropped silently.
    /// </summary>
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
                DrillFigure? figure = Read(f, doc.RootElement, $"line {number}", nested: false);
                if (figure is not null && f.Errors.Count == 0)
                {
                    figures.AddRange(figure.WithNested());
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

    private static DrillFigure? Read(JsonFields f, JsonElement o, string at, bool nested)
    {
        if (!f.Object(o, at, Fields))
        {
            return null;
        }

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

        // Lines without rpo_measured come from drills that measured it (the field came later).
        bool measured = f.Bool(o, at, "rpo_measured") ?? true;
        long? rows = null, rpoMs = null;
        string? reason = null;
        if (measured)
        {
            foreach (string name in new[] { "rpo_rows", "rpo_ms" })
            {
                if (o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Null)
                {
                    f.Error($"{at}.{name}", "is null: a line whose RPO was not measured says \"rpo_measured\": false and why, in rpo_reason");
                }
            }

            rows = f.Whole(o, at, "rpo_rows", required: f.Good(at + ".rpo_rows"), "rows");
            rpoMs = f.Whole(o, at, "rpo_ms", required: f.Good(at + ".rpo_ms"), "milliseconds");
            if (o.TryGetProperty("rpo_reason", out _))
            {
                f.Error(at + ".rpo_reason", "is given, but rpo_measured is not false: a measured RPO needs no reason");
            }
        }
        else
        {
            // Never read as 0: a drill that did not count lost rows proved nothing about them.
            foreach (string name in new[] { "rpo_rows", "rpo_ms" })
            {
                if (o.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null)
                {
                    f.Error($"{at}.{name}", $"is {v.GetRawText()}, but rpo_measured is false: it must be null when nothing was measured");
                }
            }

            reason = f.String(o, at, "rpo_reason", required: false);
            if (reason is null && f.Good(at + ".rpo_reason"))
            {
                f.Error(at + ".rpo_reason", "is missing: rpo_measured is false, so the line must say why the RPO was not measured");
            }
        }

        DrillFigure? planned = null;
        if (o.TryGetProperty("planned", out JsonElement inner) && inner.ValueKind != JsonValueKind.Null)
        {
            if (nested || scenario != Unplanned)
            {
                f.Error(at + ".planned", "only an unplanned figure carries the planned switch of its drill");
            }
            else
            {
                planned = Read(f, inner, at + ".planned", nested: true);
                if (planned is not null && planned.Scenario != Planned)
                {
                    f.Error(at + ".planned.scenario", $"'{planned.Scenario}' under planned: must be planned");
                }
            }
        }

        var figure = new DrillFigure(
            f.String(o, at, "group", required: true) ?? "",
            scenario ?? "",
            f.Whole(o, at, "site_rto_ms", required: true, "milliseconds") ?? 0,
            rows,
            rpoMs,
            f.Whole(o, at, "overlap_ms", required: true, "milliseconds") ?? 0,
            (int)(f.Whole(o, at, "tier", required: true, "a tier, 0-7") ?? 0),
            when,
            f.String(o, at, "commit", required: true) ?? "")
        {
            RpoNotMeasured = measured ? null : reason ?? "",
            ConfiguredTier = (int?)f.Whole(o, at, "configured_tier", required: false, "a tier, 0-7"),
            EpochBefore = f.Whole(o, at, "epoch_before", required: false, "an epoch"),
            EpochAfter = f.Whole(o, at, "epoch_after", required: false, "an epoch"),
            PlannedSwitch = planned,
        };
        foreach (var (name, tier) in new[] { ("tier", (int?)figure.Tier), ("configured_tier", figure.ConfiguredTier) })
        {
            if (tier > 7)
            {
                f.Error($"{at}.{name}", $"{tier} is not a tier (0-7)");
            }
        }

        if (planned is not null && planned.Group != figure.Group)
        {
            f.Error(at + ".planned.group", $"'{planned.Group}' is not the line's group '{figure.Group}'");
        }

        return figure;
    }
}
