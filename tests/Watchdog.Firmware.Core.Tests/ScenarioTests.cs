using Watchdog.Firmware.Core.Tests.Harness;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>
/// Every file in Scenarios/ is a script with golden output (raft's testdata style). The theory
/// runs it through the virtual rack and compares the whole file; WATCHDOG_REWRITE=1 writes the
/// actual output back instead (review the diff before committing). The referee's safety checks
/// run in every scenario; a breach appears as a VIOLATION line and fails the test either way.
/// </summary>
public sealed class ScenarioTests
{
    public static TheoryData<string> Files() =>
        new(Directory.GetFiles(RepoPaths.Scenarios, "*.txt").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Files))]
    public void Scenario(string file)
    {
        string path = Path.Combine(RepoPaths.Scenarios, file);
        var runner = new ScenarioRunner();
        Golden.Check(path, runner.Run(Golden.Read(path)));

        Assert.True(runner.Violations.Count == 0, "safety violations:\n" + string.Join("\n", runner.Violations));
    }

    [Fact]
    public void There_are_scenarios_for_every_required_case()
    {
        string[] required =
        {
            "agent-dies", "node-hangs", "power-lost", "one-psu-lost", "link-lost-on-active", "broker-path-lost",
            "board-restart-mid-failover", "heartbeat-flap-inside-debounce", "reset-does-not-help", "both-members-fail",
            "switchover", "failback-automatic", "failback-manual", "commands-replayed-and-stale",
            "site-ticket-not-held-no-active", "site-ticket-lost-demotes-active", "site-ticket-lost-active-does-not-ack-fenced",
            "site-ticket-acquired-continues-above-floor",
        };
        var present = Directory.GetFiles(RepoPaths.Scenarios, "*.txt").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
        var missing = required.Where(r => !present.Contains(r)).ToList();
        Assert.True(missing.Count == 0, "missing scenarios: " + string.Join(", ", missing));
    }
}
