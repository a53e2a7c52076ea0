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
    private const int Iterations = 300;

    private static readonly Gen<(int Kind, int Node, int Amount)[]> Sequences =
        Gen.Select(Gen.Int[0, RackFuzz.Kinds - 1], Gen.Int[0, 2], Gen.Int[1, 400]).Array[4, 40];

    private static readonly Gen<int> Shapes = Gen.Int[0, 5];

    private static Rack Build(int shape) => shape switch
    {
        0 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2)),
        1 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 3, FailbackPolicy.Automatic)),
        2 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2, FailbackPolicy.Automatic, fence: true)),
        3 => new Rack(TestConfigs.Group(GroupMode.ActiveActive, 3)),
        // network_failure "fence": an active that loses every link is held at once, no demotion.
        5 => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2, FailbackPolicy.Automatic, fence: true, network: NetworkFailurePolicy.Fence)),
        _ => new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2, FailbackPolicy.Manual, allowFenceLast: true), persistedEpoch: 7),
    };

    private static Rack Run(int shape, (int Kind, int Node, int Amount)[] ops, bool commands, bool logging)
    {
        var rack = Build(shape);
        rack.Logging = logging;
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

    private static void Check(string fragment, bool commands)
    {
        Gen.Select(Shapes, Sequences).Sample(
            (shape, ops) =>
            {
                var hits = Run(shape, ops, commands, false).Referee.Violations.Where(v => v.Contains(fragment, StringComparison.Ordinal)).ToList();
                if (hits.Count > 0)
                {
                    // Deterministic: run again with the log on and show what led to the first breach.
                    var log = Run(shape, ops, commands, true).Log;
                    int at = log.ToList().FindIndex(l => l.Contains("VIOLATION", StringComparison.Ordinal) && l.Contains(fragment, StringComparison.Ordinal));
                    var tail = log.Skip(Math.Max(0, at - 60)).Take(64);
                    Assert.Fail(string.Join("\n", hits) + "\n--- log before the first breach ---\n" + string.Join("\n", tail));
                }
            },
            iter: Iterations);
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
