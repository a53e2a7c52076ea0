using System.Text.Json;
using Watchdog.Cli.Tests.Broker;
using Watchdog.Lab.Sites;
using Watchdog.Sites.Config;
using Watchdog.Testing;
using Xunit.Abstractions;

namespace Watchdog.Cli.Tests.Dr;

/// <summary>
/// The real `watchdogctl dr drill --json` on the lab's two ticketed sites, its one JSON line, and
/// `dr report` reading that line; and the one line it says when it cannot run.
/// </summary>
public sealed class DrDrillCommandTests(ITestOutputHelper output) : ScratchDirectoryTests
{
    /// <summary>Starting two racks and three etcd members (up to 120 s), two takeovers (up to 90 s each), on a loaded machine.</summary>
    private static readonly TimeSpan DrillTimeout = TimeSpan.FromMinutes(8);

    [DrillFact]
    public async Task The_drill_prints_one_json_line_that_dr_report_reads()
    {
        string figures = Path.Combine(Dir, "drill.json");
        string config = Path.Combine(Dir, "dr.json");
        var (exit, stdout, stderr) = await CliProcess.RunAsync(DrillTimeout, "dr", "drill", "--json", "--save-config", config);
        output.WriteLine(stderr);
        output.WriteLine(stdout);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");

        // stdout is the figures and nothing else: one line, which dr report reads as two figures.
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string line = Assert.Single(lines);
        File.WriteAllText(figures, line + "\n");
        var (read, errors) = DrillFigure.ReadLines(File.ReadLines(figures));
        Assert.Empty(errors);
        Assert.Equal([DrillFigure.Planned, DrillFigure.Unplanned], read.Select(f => f.Scenario));

        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement u = doc.RootElement;
        Assert.Equal("unplanned", u.GetProperty("scenario").GetString());
        // Synchronous across the sites (the drill's default): every acknowledged row was at the
        // other site, counted there after each switch. A line without rpo_measured is a measured one.
        Assert.False(u.TryGetProperty("rpo_measured", out _), "the unplanned RPO was not measured: " + (u.TryGetProperty("rpo_reason", out JsonElement why) ? why.GetString() : ""));
        Assert.Equal(0, u.GetProperty("rpo_rows").GetInt64());
        Assert.Equal(0, u.GetProperty("rpo_ms").GetInt64());
        Assert.Equal(0, u.GetProperty("overlap_ms").GetInt64());
        Assert.Equal(6, u.GetProperty("configured_tier").GetInt32());

        // West held the ticket on a lease renewed at most renew_ms before it was lost: east could
        // not serve before lease - renew + acquire-after, whatever the machine's load.
        long rto = u.GetProperty("site_rto_ms").GetInt64();
        Assert.InRange(rto, TicketedSites.Timing.BestSiteRtoMs, 90_000);
        Assert.True(u.GetProperty("epoch_after").GetInt64() > u.GetProperty("epoch_before").GetInt64(), "east took over above west's epochs");

        JsonElement p = u.GetProperty("planned");
        Assert.Equal("planned", p.GetProperty("scenario").GetString());
        Assert.Equal(0, p.GetProperty("overlap_ms").GetInt64());
        // West takes a released ticket only acquire-after after it saw it free.
        Assert.InRange(p.GetProperty("site_rto_ms").GetInt64(), TicketedSites.Timing.AcquireAfterMs, 90_000);
        Assert.True(p.GetProperty("epoch_after").GetInt64() > p.GetProperty("epoch_before").GetInt64(), "west took over above east's epochs");
        Assert.Equal(p.GetProperty("epoch_after").GetInt64(), u.GetProperty("epoch_before").GetInt64());
        Assert.False(p.TryGetProperty("rpo_measured", out _), "the planned RPO was not measured: " + (p.TryGetProperty("rpo_reason", out JsonElement pwhy) ? pwhy.GetString() : ""));
        Assert.Equal(0, p.GetProperty("rpo_rows").GetInt64());

        // The report on the drilled configuration gives the tier the drill printed, from the same
        // figures: a measured RPO of 0 rows within the objectives raises no flag.
        var (reportExit, report, reportErr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "dr", "report", "--config", config, "--figures", figures, "--json");
        output.WriteLine(report);
        using JsonDocument r = JsonDocument.Parse(report);
        JsonElement g = r.RootElement.GetProperty("groups")[0];
        Assert.Equal(u.GetProperty("tier").GetInt32(), g.GetProperty("tier").GetInt32());
        Assert.Equal(rto, g.GetProperty("last_unplanned").GetProperty("site_rto_ms").GetInt64());
        Assert.Equal(0, g.GetProperty("last_unplanned").GetProperty("rpo_rows").GetInt64());
        Assert.False(g.GetProperty("last_unplanned").TryGetProperty("planned", out _), "the nested planned figure is reported as last_planned, not twice");
        Assert.Equal(p.GetProperty("site_rto_ms").GetInt64(), g.GetProperty("last_planned").GetProperty("site_rto_ms").GetInt64());
        Assert.DoesNotContain(g.GetProperty("flags").EnumerateArray(), f => f.GetString()!.Contains("RPO not measured", StringComparison.Ordinal));
        Assert.True(reportExit == (g.GetProperty("flags").GetArrayLength() == 0 ? 0 : Watchdog.Cli.Commands.Dr.DrCommand.ExitFlagged), $"exit {reportExit}: {reportErr}");
        Assert.DoesNotContain(g.GetProperty("flags").EnumerateArray(), f => f.GetString()!.Contains("overlap", StringComparison.Ordinal) || f.GetString()!.Contains("ran the active", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_its_programs_the_drill_says_what_is_missing_in_one_line_and_exits_2()
    {
        var environment = new Dictionary<string, string> { ["PATH"] = Dir };
        var (exit, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), environment, "dr", "drill", "--json");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        string said = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(
            said == "watchdogctl: dr drill needs etcd, mosquitto, nft, setpriv on PATH (Debian: apt install etcd-server mosquitto nftables util-linux)"
            || said.StartsWith("watchdogctl: dr drill needs root", StringComparison.Ordinal),
            said);
    }

    [Fact]
    public async Task A_wrong_run_count_is_refused_before_anything_starts()
    {
        var (exit, _, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "dr", "drill", "--runs", "0");
        Assert.Equal(2, exit);
        Assert.Contains("watchdogctl: --runs 0: must be 1..20", stderr, StringComparison.Ordinal);
    }
}

/// <summary>The real drill: skipped, with the reason, unless root, its programs and PostgreSQL 15's server programs are there.</summary>
public sealed class DrillFactAttribute : FactAttribute
{
    public DrillFactAttribute()
    {
        Skip = RootOnly.SkipReason("two racks in network namespaces, etcd members in their own, PostgreSQL 15 in the servers' namespaces, and nft to cut sites apart", SiteDrill.Programs);
        if (Skip is null && !Watchdog.Postgres.PgBinaries.AreInstalled())
        {
            Skip = $"needs PostgreSQL 15's server programs in {Watchdog.Postgres.PgBinaries.DefaultDirectory}: ./scripts/install-test-deps.sh, or apt-get install postgresql-15";
        }
    }
}
