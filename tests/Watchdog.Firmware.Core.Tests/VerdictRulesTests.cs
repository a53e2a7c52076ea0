using System.Text;
using Watchdog.Firmware.Core.Tests.Harness;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>
/// The failure verdicts (VerdictRules, docs/safety-rules.md "Failure verdicts"): the rule table
/// and every combination of what the wires and the agent can say, with the verdict and the rule
/// that gives it, are printed into Golden/verdict-rules.txt. A change to the rules shows there as
/// a diff; WATCHDOG_REWRITE=1 accepts it.
/// </summary>
public sealed class VerdictRulesTests
{
    private static readonly (string Word, int Facts)[] Power =
    {
        ("all up", 0),
        ("one low", VerdictRules.SomePowerLow),
        ("all low, moving", VerdictRules.AllPowerLow | VerdictRules.SomePowerLow),
        ("all low, settled", VerdictRules.AllPowerLow | VerdictRules.SomePowerLow | VerdictRules.PowerSettled),
    };

    private static readonly (string Word, int Facts)[] Links =
    {
        ("all up", VerdictRules.LinksSettled),
        ("one down", VerdictRules.SomeLinkDown | VerdictRules.LinksSettled),
        ("all down, moving", VerdictRules.AllLinksDown | VerdictRules.SomeLinkDown),
        ("all down, settled", VerdictRules.AllLinksDown | VerdictRules.SomeLinkDown | VerdictRules.LinksSettled),
    };

    private static readonly (string Word, int Facts)[] Heartbeat =
    {
        ("fresh", VerdictRules.HeartbeatFresh),
        ("late", 0),
        ("lost", VerdictRules.HeartbeatLost),
    };

    private static readonly (string Word, int Facts)[] Agent =
    {
        ("fine", VerdictRules.Reachable),
        ("says failing", VerdictRules.Reachable | VerdictRules.SaysFailing),
        ("unreachable", 0),
        ("failing, silent", VerdictRules.SaysFailing),
    };

    internal static string Print()
    {
        var sb = new StringBuilder();
        sb.Append("# The failure verdicts: generated from firmware/Watchdog.Firmware.Core/Channels/VerdictRules.cs by\n");
        sb.Append("# VerdictRulesTests; WATCHDOG_REWRITE=1 dotnet test tests/Watchdog.Firmware.Core.Tests rewrites it.\n");
        sb.Append("# \"moving\": not yet held for the settle time (power-good: heartbeat_suspect_ms; links: one more\n");
        sb.Append("# debounce time, and no power-good on its way down). \"keep\": the previous verdict stands.\n\n");
        sb.Append("## Rules, first match wins\n\n");
        for (int r = 0; r < VerdictRules.Count; r++)
        {
            sb.Append(r + 1).Append(". ").Append(OutcomeWord(VerdictRules.Outcome(r))).Append(": ").Append(VerdictRules.Describe(r)).Append('\n');
        }

        sb.Append("\n## Every combination\n\n");
        sb.Append(Row("power-good", "links", "heartbeat", "agent", "verdict (rule)"));
        foreach (var p in Power)
        {
            foreach (var l in Links)
            {
                foreach (var h in Heartbeat)
                {
                    foreach (var a in Agent)
                    {
                        int rule = VerdictRules.Match(p.Facts | l.Facts | h.Facts | a.Facts);
                        sb.Append(Row(p.Word, l.Word, h.Word, a.Word, OutcomeWord(VerdictRules.Outcome(rule)) + " (" + (rule + 1) + ")"));
                    }
                }
            }
        }

        return sb.ToString();
    }

    private static string Row(string power, string links, string heartbeat, string agent, string verdict) =>
        $"{power,-17} {links,-18} {heartbeat,-9} {agent,-16} -> {verdict}\n".TrimEnd(' ');

    private static string OutcomeWord(int outcome) => outcome == VerdictRules.Keep ? "keep" : WireWords.Of((Verdict)outcome);

    [Fact]
    public void Golden_file_matches_the_rules() => Golden.Check(Path.Combine(RepoPaths.Golden, "verdict-rules.txt"), Print());

    [Fact]
    public void Every_verdict_of_the_docs_table_has_a_rule()
    {
        string docs = Golden.Read(Path.Combine(RepoPaths.Docs, "safety-rules.md"));
        string table = docs[docs.IndexOf("## Failure verdicts", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var given = Enumerable.Range(0, VerdictRules.Count).Select(VerdictRules.Outcome).Where(o => o != VerdictRules.Keep)
            .Select(o => (Verdict)o).Where(v => v != Verdict.None).ToHashSet();
        foreach (Verdict v in given)
        {
            Assert.Contains("`" + WireWords.Of(v) + "`", table, StringComparison.Ordinal);
        }

        Assert.Equal(Enum.GetValues<Verdict>().Length - 1, given.Count);
    }

    [Fact]
    public void The_last_rule_matches_anything() =>
        Assert.Equal((0, 0), (VerdictRules.Required(VerdictRules.Count - 1), VerdictRules.Forbidden(VerdictRules.Count - 1)));
}
