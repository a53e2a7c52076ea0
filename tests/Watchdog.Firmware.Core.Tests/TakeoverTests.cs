using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;
using Watchdog.Firmware.Core.Tests.Harness;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>
/// The core of a board that takes authority from its pair peer (WatchdogCore.ContinueAbove): it
/// continues above the ceiling, and, like a restarted board, it cannot know which grants its
/// predecessor issued at the last moment below it. A member whose report is older than the floor
/// may hold one: it claims until it shows otherwise, so the new authority does not grant active
/// beside a member that may be acting on its predecessor's last grant.
/// </summary>
public sealed class TakeoverTests
{
    [Fact]
    public void A_new_authority_treats_members_reporting_below_the_floor_as_possibly_active()
    {
        var core = new WatchdogCore(TestConfigs.Group(GroupMode.ActiveStandby, 2), 1, new NoKeys());
        core.ContinueAbove(64);
        Assert.Equal(64, core.Epoch);

        // What the passive board kept: n1 active@1, n2 standby@1, both sealed by a board key.
        core.Step(new NodeState { Node = "n1", Group = "g", Role = NodeRole.Active, Epoch = 1, Health = Health.Healthy, Feeding = true, Timestamp = 1000 }, true, 1000);
        core.Step(new NodeState { Node = "n2", Group = "g", Role = NodeRole.Standby, Epoch = 1, Health = Health.Healthy, Feeding = true, Timestamp = 1000 }, true, 1000);
        var said = new List<string>();
        for (int t = 0; t < 200; t++)
        {
            for (int i = 0; i < 2; i++)
            {
                var s = core.Input.Channel(i);
                s.HeartbeatEdges = t % 5 == 0 ? 1 : 0;
                Array.Fill(s.PowerGood, true);
                Array.Fill(s.Link, true);
            }

            // The outbox's objects are reused by the next call: read them now.
            CoreOutput output = core.Tick(2000 + (t * 50));
            foreach (OutboxEntry e in Enumerable.Range(0, output.Count).Select(output.Entry))
            {
                if (e.Message is AgentRequest r) { said.Add($"request {r.Node} {WireWords.Of(r.Kind)}"); }
                if (e.Message is Grant g) { said.Add($"grant {g.Node} {WireWords.Of(g.Role)}@{g.Epoch}"); }
            }
        }

        // n2 (standby@1, below the floor) may have been granted active at 2..64 by the old authority.
        // Both are asked to step down (a standby grant above the floor), and nobody is granted active
        // while they have not acknowledged it (these agents never do).
        Assert.Contains(said, l => l.StartsWith("grant n2 standby@", StringComparison.Ordinal));
        Assert.Contains(said, l => l.StartsWith("grant n1 standby@", StringComparison.Ordinal));
        Assert.DoesNotContain(said, l => l.Contains(" active@", StringComparison.Ordinal));
        Assert.All(said.Where(l => l.StartsWith("grant", StringComparison.Ordinal)), l => Assert.True(long.Parse(l[(l.IndexOf('@') + 1)..]) > 64, l + " is not above the floor"));
    }

    private sealed class NoKeys : ICommandVerifier
    {
        public CommandVerdict Verify(SignedCommand command, long currentEpoch, long nowMs, out string detail)
        {
            detail = "no keys";
            return CommandVerdict.UnknownKey;
        }
    }
}
