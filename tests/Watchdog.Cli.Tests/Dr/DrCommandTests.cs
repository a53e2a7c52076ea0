using System.Text.Json;
using Watchdog.Cli.Commands.Dr;
using Watchdog.Cli.Tests.Broker;

namespace Watchdog.Cli.Tests.Dr;

/// <summary>The real `watchdogctl dr check` and `dr report`, as an operator runs them.</summary>
public sealed class DrCommandTests : ScratchDirectoryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Three sites and one DR group per kind of standby site.</summary>
    private const string FourKinds = """
        {
          "cluster": "lab",
          "etcd": { "members": [
            {"site": "east", "endpoint": "http://10.0.1.10:2379"},
            {"site": "west", "endpoint": "http://10.0.2.10:2379"},
            {"site": "arbiter", "endpoint": "http://10.0.3.10:2379"} ] },
          "sites": [
            {"name": "east", "broker": "10.0.1.1:1883", "boards": ["rack-east"]},
            {"name": "west", "broker": "10.0.2.1:1883", "boards": ["rack-west"]},
            {"name": "arbiter", "arbiter": true} ],
          "dr_groups": [
            {"name": "db", "sites": ["east", "west"], "replication": "sync", "standby_site": "running", "failover": "automatic", "objectives": {"rto_ms": 60000, "rpo_ms": 0}},
            {"name": "web", "sites": ["east", "west"], "replication": "async", "standby_site": "running", "failover": "manual", "objectives": {"rto_ms": 300000, "rpo_ms": 5000}},
            {"name": "reports", "sites": ["west", "east"], "replication": "log-shipping", "standby_site": "provisioned", "failover": "manual", "objectives": {"rto_ms": 3600000, "rpo_ms": 300000}},
            {"name": "archive", "sites": ["west", "east"], "replication": "backup", "standby_site": "none", "failover": "manual", "objectives": {"rto_ms": 86400000, "rpo_ms": 86400000}}
          ]
        }
        """;

    private string Write(string name, string content)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Figure(string group, string scenario, long rto, long rows = 0, long rpoMs = 0, long overlap = 0, string date = "2026-12-02T10:00:00Z") =>
        $$"""{"group":"{{group}}","scenario":"{{scenario}}","site_rto_ms":{{rto}},"rpo_rows":{{rows}},"rpo_ms":{{rpoMs}},"overlap_ms":{{overlap}},"tier":6,"date":"{{date}}","commit":"f84a626"}""";

    [Fact]
    public async Task Check_accepts_the_example_and_prints_the_derived_timings()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "dr", "check", "--config", DrFiles.ExampleConfig);
        Assert.True(exit == 0, stderr);
        Assert.Contains("valid. cluster lab; sites east, west, arbiter (arbiter); etcd 3 member(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("group db (board group db): east preferred, west second; sync replication, standby site running, automatic failover; mirror site, tier 6", stdout, StringComparison.Ordinal);
        Assert.Contains("holder gives up          6000 ms after its last renewal", stdout, StringComparison.Ordinal);
        Assert.Contains("cut-off active runs      9100 ms at most after the holder's last renewal", stdout, StringComparison.Ordinal);
        Assert.Contains("earliest takeover       15000 ms after the holder's last renewal (lease + acquire-after)", stdout, StringComparison.Ordinal);
        Assert.Contains("gap between the two      5900 ms", stdout, StringComparison.Ordinal);
        Assert.Contains("minimum site RTO        15000 ms plus the other site's promotion (a site lost just before renewing: 10000 ms); objective 60000 ms", stdout, StringComparison.Ordinal);
        Assert.Contains("only once an operator grants the ticket", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_lists_every_problem_with_its_path_and_exits_2()
    {
        string config = Write("dr.json", FourKinds
            .Replace("\"sites\": [\"east\", \"west\"], \"replication\": \"sync\"", "\"sites\": [\"east\", \"west\"], \"ticket\": {\"renew_ms\": 6000, \"acquire_after_ms\": 0}, \"replication\": \"sync\"", StringComparison.Ordinal)
            .Replace("{\"name\": \"arbiter\", \"arbiter\": true}", "{\"name\": \"arbiter\", \"arbiter\": true, \"colour\": \"red\"}", StringComparison.Ordinal));
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "dr", "check", "--config", config);
        Assert.Equal(DrCommand.ExitUnusable, exit);
        Assert.Equal("", stdout);
        string[] lines = stderr.Trim().Split('\n');
        Assert.Equal(
            [
                $"watchdogctl: {config}: sites[2].colour: unknown field (known here: name, broker, boards, arbiter)",
                $"watchdogctl: {config}: dr_groups[0].ticket.renew_ms: 6000 is more than half of lease_ms 10000; the holder renews at half the lease at most (booth's rule) so one lost renewal is survived",
            ],
            lines.Take(2));
        Assert.Contains(lines, l => l.StartsWith($"watchdogctl: {config}: dr_groups[0].ticket.acquire_after_ms: is 0", StringComparison.Ordinal));
        Assert.Equal($"watchdogctl: {config}: {lines.Length - 1} problem(s) in the DR configuration", lines[^1]);
    }

    [Fact]
    public async Task Report_classifies_each_group_and_flags_the_ones_never_drilled()
    {
        string config = Write("dr.json", FourKinds);
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "dr", "report", "--config", config, "--json");
        Assert.True(exit == DrCommand.ExitFlagged, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var groups = doc.RootElement.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("name").GetString()!);
        Assert.Equal(("mirror", 6), Kind(groups["db"]));
        Assert.Equal(("hot", 4), Kind(groups["web"]));
        Assert.Equal(("warm", 3), Kind(groups["reports"]));
        Assert.Equal(("cold", 1), Kind(groups["archive"]));
        Assert.Equal(4, doc.RootElement.GetProperty("flagged").GetInt32());
        Assert.All(groups.Values, g => Assert.Equal("never drilled: its objectives are a promise nobody measured", Assert.Single(g.GetProperty("flags").EnumerateArray()).GetString()));

        static (string, int) Kind(JsonElement g) => (g.GetProperty("kind").GetString()!, g.GetProperty("tier").GetInt32());
    }

    [Fact]
    public async Task Report_with_figures_that_meet_every_objective_exits_0_and_gives_the_drilled_mirror_tier_7()
    {
        string config = Write("dr.json", FourKinds);
        string figures = Write("drills.json", string.Join('\n',
            Figure("db", "unplanned", 80000, date: "2026-11-01T10:00:00Z"),   // older than the next: not the one judged
            Figure("db", "unplanned", 21000),
            Figure("db", "planned", 4000),
            Figure("web", "unplanned", 120000, rows: 12, rpoMs: 800),
            Figure("reports", "unplanned", 1800000, rows: 900, rpoMs: 240000),
            Figure("archive", "unplanned", 14400000, rows: 5000, rpoMs: 3600000)) + "\n");
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "dr", "report", "--config", config, "--figures", figures, "--json");
        Assert.True(exit == 0, stdout + stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(["cluster", "groups", "flagged", "unmatched_figures"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, root.GetProperty("flagged").GetInt32());
        var db = root.GetProperty("groups")[0];
        Assert.Equal(
            ["name", "group", "sites", "replication", "standby_site", "failover", "kind", "configured_tier", "tier", "tier_name", "objectives", "min_site_rto_ms", "last_unplanned", "last_planned", "flags"],
            db.EnumerateObject().Select(p => p.Name));
        Assert.Equal((6, 7, "highly automated, business-integrated"), (db.GetProperty("configured_tier").GetInt32(), db.GetProperty("tier").GetInt32(), db.GetProperty("tier_name").GetString()));
        Assert.Equal(15000, db.GetProperty("min_site_rto_ms").GetInt32());
        var last = db.GetProperty("last_unplanned");
        Assert.Equal(["group", "scenario", "site_rto_ms", "rpo_rows", "rpo_ms", "overlap_ms", "tier", "date", "commit"], last.EnumerateObject().Select(p => p.Name));
        Assert.Equal(21000, last.GetProperty("site_rto_ms").GetInt64());
        Assert.Equal(4000, db.GetProperty("last_planned").GetProperty("site_rto_ms").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("groups")[1].GetProperty("last_planned").ValueKind);
    }

    [Fact]
    public async Task Report_flags_a_missed_objective_and_an_overlap_under_its_table_and_exits_1()
    {
        string config = Write("dr.json", FourKinds);
        string figures = Write("drills.json", string.Join('\n',
            Figure("db", "unplanned", 75000, overlap: 30),
            Figure("web", "unplanned", 120000, rows: 12, rpoMs: 9000),
            Figure("reports", "unplanned", 1800000),
            Figure("archive", "unplanned", 14400000),
            Figure("gone", "unplanned", 1000)));
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "dr", "report", "--config", config, "--figures", figures);
        Assert.True(exit == DrCommand.ExitFlagged, stdout + stderr);
        Assert.Contains("DR groups of lab", stdout, StringComparison.Ordinal);
        var flags = stdout.Split('\n').Where(l => l.StartsWith("FLAG ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [
                "FLAG db: unplanned drill of 2026-12-02 10:00: site RTO 75000 ms is more than the objective 60000 ms",
                "FLAG db: unplanned drill of 2026-12-02 10:00: both sites ran the active for 30 ms",
                "FLAG web: unplanned drill of 2026-12-02 10:00: lost 12 row(s), 9000 ms of writes; the objective is 5000 ms",
            ],
            flags);
        Assert.Contains("note: the figures name group 'gone', which this configuration does not have; ignored", stdout, StringComparison.Ordinal);
        Assert.Contains("tier 6: zero or little data loss", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_figures_file_is_refused_line_by_line_with_exit_2()
    {
        string config = Write("dr.json", FourKinds);
        string figures = Write("drills.json", Figure("db", "unplanned", 1000) + "\n{\"group\":\"db\",\"scenario\":\"drill\"}\n");
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "dr", "report", "--config", config, "--figures", figures);
        Assert.Equal(DrCommand.ExitUnusable, exit);
        Assert.Equal("", stdout);
        Assert.Contains($"watchdogctl: {figures}: line 2.scenario: 'drill' is not planned or unplanned", stderr, StringComparison.Ordinal);
        Assert.Contains($"watchdogctl: {figures}: line 2.site_rto_ms: is missing", stderr, StringComparison.Ordinal);
    }
}
