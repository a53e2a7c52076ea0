using Watchdog.Firmware.Core.Tests.Harness;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>
/// Two boards, one authority: every file in Scenarios/pair is a script with golden output, run on
/// a PairRack whose referee fails the test when two boards drive as authority at once or an
/// authority uses an epoch not above every epoch used before. The fuzz runs random single and
/// double faults with the same checks, and checks that after each single fault the pair ends
/// with exactly one authority.
/// </summary>
public sealed class PairTests
{
    private static string Folder => Path.Combine(RepoPaths.Scenarios, "pair");

    public static TheoryData<string> Files() =>
        new(Directory.GetFiles(Folder, "*.txt").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Files))]
    public void Scenario(string file)
    {
        string path = Path.Combine(Folder, file);
        var runner = new PairScenarioRunner();
        Golden.Check(path, runner.Run(Golden.Read(path)));
        Assert.True(runner.Violations.Count == 0, "pair rule violations:\n" + string.Join("\n", runner.Violations));
    }

    [Fact]
    public void There_are_scenarios_for_every_fault_the_pair_must_survive()
    {
        string[] required =
        {
            "authority-crash", "authority-freeze", "authority-power-loss", "heartbeat-wire-cut", "link-cut",
            "both-paths-cut-both-alive", "both-boards-restarted", "passive-out-of-sync-then-authority-dies", "reset-wire-broken",
        };
        var present = Directory.GetFiles(Folder, "*.txt").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
        var missing = required.Where(r => !present.Contains(r)).ToList();
        Assert.True(missing.Count == 0, "missing pair scenarios: " + string.Join(", ", missing));
    }
}

/// <summary>
/// Random faults on the pair: every run is checked by the PairRack referee (never two boards
/// driving as authority, epochs only grow across authority changes), and a run with one fault
/// must end with exactly one authority, the one the fault leaves able to hold it.
/// </summary>
public sealed class PairFuzzTests
{
    private static readonly PairConfigTemplate Timing = new();

    [Fact]
    public void Two_hundred_random_fault_runs_never_give_two_authorities_and_single_faults_end_with_one()
    {
        var failures = new List<string>();
        int twoFaultRuns = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var rack = new PairRack(Timing.Config, 10, 300);
            rack.Run(100 + random.Next(50));
            rack.Grant(1 + random.Next(5));
            string[] faults = random.Next(4) == 0 ? [Pick(random), Pick(random)] : [Pick(random)];
            if (faults.Length > 1) { twoFaultRuns++; }
            foreach (var fault in faults)
            {
                Inject(rack, fault, random);
                rack.Run(random.Next(60));
                rack.Grant(random.Next(3));
            }

            rack.Run(400);
            rack.Grant(1);
            rack.Run(100);
            int authorities = rack.Boards.Count(b => b.Life == BoardLife.Running && b.Pair!.IsAuthority);
            if (rack.Violations.Count > 0)
            {
                failures.Add($"seed {seed} ({string.Join(" + ", faults)}): {string.Join("; ", rack.Violations)}");
            }
            else if (faults.Length == 1 && (authorities != 1 || rack.UnsyncedReuse.Count > 0))
            {
                failures.Add($"seed {seed} ({faults[0]}): {authorities} authorities at the end; {string.Join("; ", rack.UnsyncedReuse)}");
            }
            else if (rack.UnsyncedReuse.Count > 0 && !BothBoardsFailed(faults))
            {
                failures.Add($"seed {seed} ({string.Join(" + ", faults)}): an unsynced authority reused epochs without both boards failing: {string.Join("; ", rack.UnsyncedReuse)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(twoFaultRuns > 20, $"only {twoFaultRuns} runs had two faults");
    }

    private static readonly string[] Faults =
    [
        "crash a", "crash b", "freeze a", "power-off a", "power-off b", "power-cycle a", "cut heartbeat a->b", "cut heartbeat b->a",
        "cut link", "restart-both", "pause a",
    ];

    // Both boards out (one after the other, or together): the survivor may be the one behind, and
    // then only the agents' sealed epochs lift it (docs/safety-rules.md, "Two boards").
    private static bool BothBoardsFailed(string[] faults) =>
        faults.Contains("restart-both") || (faults.Any(f => f.EndsWith(" a", StringComparison.Ordinal)) && faults.Any(f => f.EndsWith(" b", StringComparison.Ordinal)));

    private static string Pick(Random random) => Faults[random.Next(Faults.Length)];

    private static void Inject(PairRack rack, string fault, Random random)
    {
        switch (fault)
        {
            case "crash a": rack.Crash("a"); break;
            case "crash b": rack.Crash("b"); break;
            case "freeze a": rack.Crash("a"); break;
            case "power-off a": rack.PowerOff("a"); break;
            case "power-off b": rack.PowerOff("b"); break;
            case "power-cycle a": rack.PowerOff("a"); rack.Run(random.Next(100)); rack.PowerOn("a"); break;
            case "cut heartbeat a->b": rack.HeartbeatCut[0] = true; break;
            case "cut heartbeat b->a": rack.HeartbeatCut[1] = true; break;
            case "cut link": rack.LinkCut[0] = rack.LinkCut[1] = true; break;
            case "restart-both": rack.PowerOff("a"); rack.PowerOff("b"); rack.PowerOn("a"); rack.PowerOn("b"); break;
            // A pause of up to 400 ms: shorter than the timeouts it changes nothing, longer it is a freeze that ends.
            case "pause a": rack.Crash("a"); rack.Run(random.Next(40)); rack.Thaw("a"); break;
            default: throw new ArgumentException(fault);
        }
    }

    private sealed class PairConfigTemplate
    {
        public Config.PairConfig Config { get; } = new()
        {
            Peer = "x", HeartbeatPeriodMs = 20, PeerTimeoutMs = 80, LinkPeriodMs = 20, LinkTimeoutMs = 100, PriorityDelayMs = 200,
            ConfirmMs = 100, PeerBootGraceMs = 2000, EpochBlock = 64,
        };
    }
}
