using CsCheck;
using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.Tests.Harness;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>
/// Property tests over random sequences of faults, agent misbehaviour, broker loss, board
/// restarts (including right after an epoch was persisted) and signed commands. The referee
/// judges the simulated world, not the core's own bookkeeping; each property looks at one kind
/// of breach. CsCheck shrinks a failing sequence to a short one and prints it.
/// </summary>
public sealed class SafetyPropertyTests
{
    // 300 in every test run; a long run (WATCHDOG_FUZZ_ITERATIONS=30000, a few minutes) finds
    // the rarer sequences, which then join FoundSequences below.
    private static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_FUZZ_ITERATIONS"), out int n) && n > 0 ? n : 300;

    private static readonly Gen<(int Kind, int Node, int Amount)[]> Sequences =
        Gen.Select(Gen.Int[0, RackFuzz.Kinds - 1], Gen.Int[0, 2], Gen.Int[1, 400]).Array[4, 40];

    private static readonly Gen<int> Shapes = Gen.Int[0, 7];

    // The shapes whose group has a site ticket (held at the start, then flipped by the fuzzer).
    private static readonly Gen<int> TicketShapes = Gen.Int[6, 7];

    private static Rack Build(int shape) => shape switch
    {
        0 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2)),
        1 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 3, FailbackPolicy.Automatic)),
        2 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2, FailbackPolicy.Automatic, fence: true)),
        3 => new Rack(TestConfigs.Group(GroupMode.ActiveActive, 3)),
        // network_failure "fence": an active that loses every link is held at once, no demotion.
        5 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2, FailbackPolicy.Automatic, fence: true, network: NetworkFailurePolicy.Fence)),
        // A group with a site ticket: three members that may all be fenced, and two that may not
        // lose the last healthy one (its unacknowledged demotion is alerted on, not fenced).
        6 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 3, FailbackPolicy.Automatic, allowFenceLast: true, siteTicket: true)),
        7 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2, FailbackPolicy.Manual, fence: true, siteTicket: true), persistedEpoch: 7),
        _ => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2, FailbackPolicy.Manual, allowFenceLast: true), persistedEpoch: 7),
    };

    private static Rack Run(int shape, (int Kind, int Node, int Amount)[] ops, bool commands, bool logging)
    {
        var rack = Build(shape);
        rack.Logging = logging;
        if (rack.Config.Groups[0].SiteTicket)
        {
            rack.SetTicket(rack.Config.Groups[0].Name, true);
        }

        rack.Run(80);
        foreach (var (kind, node, amount) in ops)
        {
            if (logging)
            {
                rack.Note($"op kind={kind} node={node} amount={amount}");
            }

            RackFuzz.Apply(rack, kind, node, amount, commands);
        }

        rack.Run(200);
        return rack;
    }

    private static void Check(string fragment, bool commands) => Check(fragment, commands, Shapes);

    private static void Check(string fragment, bool commands, Gen<int> shapes)
    {
        Gen.Select(shapes, Sequences).Sample(
            (shape, ops) =>
            {
                var hits = Run(shape, ops, commands, false).Referee.Violations.Where(v => v.Contains(fragment, StringComparison.Ordinal)).ToList();
                if (hits.Count > 0)
                {
                    // Deterministic: run again with the log on and show what led to the first breach.
                    var log = Run(shape, ops, commands, true).Log;
                    int at = log.ToList().FindIndex(l => l.Contains("VIOLATION", StringComparison.Ordinal) && l.Contains(fragment, StringComparison.Ordinal));
                    var tail = log.Skip(Math.Max(0, at - 400)).Take(404);
                    Assert.Fail(string.Join("\n", hits) + "\n--- log before the first breach ---\n" + string.Join("\n", tail));
                }
            },
            iter: Iterations);
    }

    /// <summary>
    /// Sequences a long fuzz run (30,000 iterations) once found breaking a rule, replayed as they
    /// were: the shape, then (kind, node, amount) per operation. Each failed before its fix.
    /// </summary>
    public static TheoryData<string> FoundSequences() => new()
    {
        // A member flagged for a claim without a grant is demoted, then acts on a forged grant
        // above that demotion before its acknowledgement arrives: the acknowledgement must not
        // end the claim (n2 was promoted beside it).
        "5 (1,0,189) (17,0,252) (12,1,378) (0,0,1) (11,0,362) (9,1,163) (14,1,326) (12,2,44) (9,2,42) (10,1,111) (17,2,339) (6,2,28)",
        // After a board restart both retained states claim active below the persisted epoch (one
        // of them stale, the real active unheard): the higher stale claim must not be kept.
        "5 (6,2,395) (9,1,378) (5,0,17) (7,2,114) (10,0,134) (0,1,30) (1,1,310) (16,1,289) (2,2,360) (18,1,224) (19,0,271) (11,2,255) (16,1,144) (10,0,232) (15,1,383) (10,0,56) (15,0,59) (6,0,138) (19,0,339) (1,0,332) (5,0,23) (3,2,14) (13,0,267) (21,2,67) (13,0,331) (10,1,9) (7,0,106) (10,1,334) (8,1,366) (4,1,358) (6,2,22) (20,1,233) (17,2,257) (10,1,131) (1,0,396) (15,0,11)",
        // A member claims active on a forged grant between two board restarts; the broker keeps
        // that claim as its retained state, and the second board must hear it (the simulated
        // broker once handed the restarted board an older state instead).
        "1 (14,2,341) (11,0,27) (15,1,147) (12,1,197) (20,2,381) (8,0,59) (18,2,55) (12,2,189) (17,1,323) (22,1,15) (22,0,228) (4,0,88) (4,1,221) (1,1,5) (7,0,215) (15,0,112)",
        // Both power-good sensors of a hung server read low: the STONITH hold on it is released
        // as "no power", but it reset a running server and must count against the cap (a fifth
        // wire action in one cap window otherwise).
        "5 (16,0,134) (4,1,373) (7,0,157) (4,1,234) (11,2,241) (17,0,369) (17,0,209) (0,2,181) (3,1,235) (18,2,152) (1,0,304) (11,0,74) (2,2,148) (4,2,357) (14,2,65) (7,0,186) (0,1,364) (1,2,207) (3,0,121) (3,2,237) (11,1,283) (6,2,333) (0,1,181) (4,0,248) (7,2,117) (0,2,216) (3,0,317) (4,1,355) (0,1,304) (0,0,323) (7,0,168) (0,1,190)",
        // A hung member claims active (a forged grant); the board restarts in the middle of
        // forcing it off, which releases the power button, maybe too early. Its power-good reads
        // low (a lying sensor) and it has no heartbeat: the resumed cycle once counted it as
        // forced off by the board, and another member was promoted while it still ran.
        "1 (17,0,376) (9,2,11) (16,2,303) (5,2,365) (21,1,8) (20,1,58) (19,1,348) (6,2,85) (13,0,53) (10,0,254) (17,1,340) (4,1,112) (7,1,192) (2,0,234) (13,0,248) (17,1,347) (14,1,240) (2,0,190) (14,2,172) (14,2,159) (21,1,119) (21,2,125) (19,0,132) (18,2,296) (21,0,370) (3,1,47) (0,1,147) (19,2,390) (3,1,135) (10,0,352)",
    };

    [Theory]
    [MemberData(nameof(FoundSequences))]
    public void Sequences_the_fuzzer_once_found_stay_safe(string sequence)
    {
        string[] parts = sequence.Split(' ', 2);
        var ops = System.Text.RegularExpressions.Regex.Matches(parts[1], @"\((\d+),(\d+),(\d+)\)")
            .Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();
        var rack = Run(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), ops, commands: true, logging: true);
        int at = rack.Log.ToList().FindIndex(l => l.Contains("VIOLATION", StringComparison.Ordinal));
        Assert.True(rack.Referee.Violations.Count == 0,
            string.Join("\n", rack.Referee.Violations) + "\n--- log before the first breach ---\n" + string.Join("\n", rack.Log.Skip(Math.Max(0, at - 40)).Take(44)));
    }

    [Fact]
    public void Rule1_never_two_actives_in_an_active_standby_group() => Check("two actives", commands: true);

    [Fact]
    public void Rule2_no_promotion_before_the_old_active_is_out() => Check("STONITH", commands: true);

    [Fact]
    public void Rule3_epochs_are_persisted_before_publishing_and_only_grow()
    {
        Check("persisted", commands: true);
        Check("below the group's previous round", commands: true);
    }

    [Fact]
    public void No_automatic_action_in_a_grace_period_or_maintenance() => Check("quiet", commands: true);

    [Fact]
    public void The_power_button_is_never_left_pressed() => Check("held for more than power_hold_ms", commands: true);

    [Fact]
    public void Rule11_a_member_that_said_it_is_not_ready_is_never_promoted() => Check("not ready", commands: true);

    /// <summary>
    /// Rule 12 on the groups with a site ticket: no grant of active while the glue says the site
    /// does not hold it, every grant above the floor passed with an acquisition, and after a loss
    /// no server acting as active longer than the demotion's deadline, a fence confirmation and a tick.
    /// </summary>
    [Fact]
    public void Rule12_no_active_at_a_site_without_the_ticket() => Check("site ticket", commands: true, TicketShapes);

    [Fact]
    public void Rule5_ladder_caps_hold() => Check("cap window", commands: false);

    /// <summary>
    /// The loop a cap exists for: nodes that a reset cures for a while, again and again (random
    /// nodes, random gaps). Without the cap the ladder would reset them forever.
    /// </summary>
    [Fact]
    public void Rule5_ladder_caps_hold_when_a_reset_helps_only_for_a_while()
    {
        Gen.Select(Gen.Int[0, 4], Gen.Select(Gen.Int[0, 2], Gen.Int[60, 700], Gen.Bool).Array[6, 30]).Sample(
            (shape, incidents) =>
            {
                var rack = Build(shape);
                rack.Logging = false;
                rack.Run(80);
                foreach (var (node, gap, agentDies) in incidents)
                {
                    RackFuzz.Apply(rack, agentDies ? 4 : 3, node, 3, commands: false);
                    rack.Run(gap);
                }

                rack.Run(400);
                var hits = rack.Referee.Violations.Where(v => v.Contains("cap window", StringComparison.Ordinal)).ToList();
                Assert.True(hits.Count == 0, string.Join("\n", hits));
            },
            iter: Iterations);
    }
}
