using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>Configurations for property tests and unit tests: the scenarios' fast timing, built in code.</summary>
internal static class TestConfigs
{
    public static BoardConfig Group(GroupMode mode, int members, FailbackPolicy failback = FailbackPolicy.Manual, bool fence = false, bool allowFenceLast = false, NetworkFailurePolicy network = NetworkFailurePolicy.Demote, bool siteTicket = false)
    {
        var config = new BoardConfig { Board = "rack1", Cluster = "lab" };
        var t = config.Timing;
        t.TickMs = 50;
        t.HeartbeatPeriodMs = 250;
        t.HeartbeatSuspectMs = 600;
        t.HeartbeatTimeoutMs = 1500;
        t.DebounceMs = 200;
        t.BoardBootGraceMs = 3000;
        t.NodeBootGraceMs = 8000;
        t.RecoveryStableMs = 2000;
        t.DemoteAckTimeoutMs = 1000;
        t.PowerOffWaitMs = 1000;
        config.Escalation.BackoffMs = 1000;
        config.Escalation.BackoffMaxMs = 8000;
        config.Escalation.CapAttempts = 3;
        config.Escalation.CapWindowMs = 600_000;
        config.Channels = Enumerable.Range(1, members)
            .Select(i => new ChannelConfig { Name = "ch" + i, Node = "n" + i, HasRole = true, HasFence = fence, PowerGoodInputs = 1 + (i % 2), LinkInputs = 1 })
            .ToArray();
        config.Groups = new[]
        {
            new GroupConfig
            {
                Name = "g",
                Mode = mode,
                Members = config.Channels.Select(c => c.Node).ToArray(),
                Failback = failback,
                FailbackStableMs = 5000,
                AllowFenceLastHealthy = allowFenceLast,
                NetworkFailure = network,
                SiteTicket = siteTicket,
            },
        };
        return config;
    }

    /// <summary>n lone channels in no group, for allocation tests and the bench.</summary>
    public static BoardConfig Channels(int n)
    {
        var config = Group(GroupMode.ActiveActive, 1);
        config.Channels = Enumerable.Range(1, n).Select(i => new ChannelConfig { Name = "ch" + i, Node = "n" + i, HasRole = true }).ToArray();
        config.Groups = n >= 2
            ? new[] { new GroupConfig { Name = "g", Mode = GroupMode.ActiveStandby, Members = new[] { "n1", "n2" }, FailbackStableMs = 5000 } }
            : Array.Empty<GroupConfig>();
        return config;
    }
}
