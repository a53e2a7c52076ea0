using System.Text;
using Watchdog.Firmware.Core.Tests.Harness;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>
/// docs/state-machine.dot and docs/state-machine.md are generated from ChannelTransitions (the
/// table ChannelUnit moves through), stateless-style, so the diagram cannot drift from the code.
/// The test fails when the checked-in files differ; WATCHDOG_REWRITE=1 rewrites them.
/// </summary>
public sealed class StateMachineDiagramTests
{
    private static readonly ChannelState[] States =
    {
        ChannelState.Unknown, ChannelState.Booting, ChannelState.Healthy, ChannelState.Suspect,
        ChannelState.Failed, ChannelState.Recovering, ChannelState.Fenced, ChannelState.Maintenance, ChannelState.Absent,
    };

    internal static string Dot()
    {
        var sb = new StringBuilder();
        sb.Append("// Generated from firmware/Watchdog.Firmware.Core/Channels/ChannelTransitions.cs by\n");
        sb.Append("// tests/Watchdog.Firmware.Core.Tests (StateMachineDiagramTests); do not edit. WATCHDOG_REWRITE=1 rewrites it.\n");
        sb.Append("digraph channel {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
        foreach (var s in States)
        {
            sb.Append("  \"").Append(WireWords.Of(s)).Append("\";\n");
        }

        for (int i = 0; i < ChannelTransitions.Count; i++)
        {
            sb.Append("  \"").Append(WireWords.Of(ChannelTransitions.From(i))).Append("\" -> \"")
              .Append(WireWords.Of(ChannelTransitions.To(i))).Append("\" [label=\"")
              .Append(ChannelTransitions.Word(ChannelTransitions.Trigger(i))).Append("\"];\n");
        }

        sb.Append("}\n");
        return sb.ToString();
    }

    internal static string Markdown()
    {
        var sb = new StringBuilder();
        sb.Append("# Channel state machine\n\n");
        sb.Append("<!-- Generated from firmware/Watchdog.Firmware.Core/Channels/ChannelTransitions.cs by tests/Watchdog.Firmware.Core.Tests\n");
        sb.Append("     (StateMachineDiagramTests); do not edit. WATCHDOG_REWRITE=1 dotnet test tests/Watchdog.Firmware.Core.Tests rewrites it. -->\n\n");
        sb.Append("Every wired server (channel) is in one of these states. The core moves a channel only through\n");
        sb.Append("this table (`ChannelTransitions.TryNext`); a trigger the table does not list for a state is ignored.\n");
        sb.Append("The same graph in Graphviz form is in [state-machine.dot](state-machine.dot).\n\n");
        sb.Append("```mermaid\nstateDiagram-v2\n");
        sb.Append("    [*] --> unknown\n");
        for (int i = 0; i < ChannelTransitions.Count; i++)
        {
            sb.Append("    ").Append(Id(ChannelTransitions.From(i))).Append(" --> ").Append(Id(ChannelTransitions.To(i)))
              .Append(" : ").Append(ChannelTransitions.Word(ChannelTransitions.Trigger(i))).Append('\n');
        }

        sb.Append("```\n\n");
        sb.Append("| from | trigger | to |\n|---|---|---|\n");
        for (int i = 0; i < ChannelTransitions.Count; i++)
        {
            sb.Append("| ").Append(WireWords.Of(ChannelTransitions.From(i))).Append(" | ")
              .Append(ChannelTransitions.Word(ChannelTransitions.Trigger(i))).Append(" | ")
              .Append(WireWords.Of(ChannelTransitions.To(i))).Append(" |\n");
        }

        sb.Append("\n## What the triggers mean\n\n");
        foreach (ChannelTrigger t in Enum.GetValues<ChannelTrigger>())
        {
            sb.Append("- `").Append(ChannelTransitions.Word(t)).Append("`: ").Append(Meaning(t)).Append('\n');
        }

        sb.Append("\nNothing automatic happens to a channel in `booting` (the board's or the node's boot grace), in\n");
        sb.Append("`absent` (never heard: no reset, no power action, no role until it is heard) or in `maintenance`;\n");
        sb.Append("the escalation ladder starts steps only in `failed`. See\n");
        sb.Append("firmware/Watchdog.Firmware.Core/README.md for verdicts, the ladder and the group arbiter.\n");
        return sb.ToString();
    }

    private static string Id(ChannelState s) => WireWords.Of(s);

    private static string Meaning(ChannelTrigger t) => t switch
    {
        ChannelTrigger.Start => "the board ticks for the first time",
        ChannelTrigger.HeartbeatSteady => "two heartbeat edges in a boot grace, or a fresh heartbeat for recovery_stable_ms after an action",
        ChannelTrigger.HeartbeatLate => "no heartbeat edge for heartbeat_suspect_ms (reported, not acted on)",
        ChannelTrigger.HeartbeatBack => "an edge after a late heartbeat",
        ChannelTrigger.Fault => "a failure verdict: heartbeat lost (hard timeout), power lost, network lost, service failing",
        ChannelTrigger.BootTimeout => "the boot grace ended without a steady heartbeat",
        ChannelTrigger.ActionTaken => "a reset pulse or power cycle was carried out (or a takeover hold released); the node boots",
        ChannelTrigger.FaultCleared => "the failure went away by itself (link back, service healthy, heartbeat back)",
        ChannelTrigger.RecoveryTimeout => "node_boot_grace_ms after an action ended without a steady heartbeat",
        ChannelTrigger.FenceHeld => "reset held (and the fence relay, if wired): by the ladder, a takeover or a command",
        ChannelTrigger.Unfenced => "an operator's signed unfence command released the hold",
        ChannelTrigger.MaintenanceOn => "signed maintenance-on command",
        ChannelTrigger.MaintenanceOff => "signed maintenance-off command",
        ChannelTrigger.NeverHeard => "the board's boot grace ended and the member was never heard, now or before (not in the commissioning record): no agent installed yet",
        ChannelTrigger.Heard => "an absent member was heard for the first time (a heartbeat edge, its agent's state or presence); the node boot grace starts",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    [Fact]
    public void Every_state_is_reachable_and_every_trigger_used()
    {
        var reached = new HashSet<ChannelState> { ChannelState.Unknown };
        bool grew = true;
        while (grew)
        {
            grew = false;
            for (int i = 0; i < ChannelTransitions.Count; i++)
            {
                if (reached.Contains(ChannelTransitions.From(i)) && reached.Add(ChannelTransitions.To(i)))
                {
                    grew = true;
                }
            }
        }

        Assert.Equal(States.Length, reached.Count);
        var used = Enumerable.Range(0, ChannelTransitions.Count).Select(ChannelTransitions.Trigger).ToHashSet();
        Assert.Equal(Enum.GetValues<ChannelTrigger>().Length, used.Count);
    }

    [Fact]
    public void Table_is_deterministic()
    {
        var seen = new HashSet<(ChannelState, ChannelTrigger)>();
        for (int i = 0; i < ChannelTransitions.Count; i++)
        {
            Assert.True(seen.Add((ChannelTransitions.From(i), ChannelTransitions.Trigger(i))), $"row {i} repeats a (state, trigger) pair");
        }
    }

    [Theory]
    [InlineData("state-machine.dot")]
    [InlineData("state-machine.md")]
    public void Checked_in_diagram_matches_the_table(string file)
    {
        string generated = file.EndsWith(".dot", StringComparison.Ordinal) ? Dot() : Markdown();
        Golden.Check(Path.Combine(RepoPaths.Docs, file), generated);
    }
}
