using System.Text.Json;
using Watchdog.Cli.Commands;
using Watchdog.Cli.Tests.Broker;

namespace Watchdog.Cli.Tests.Spof;

/// <summary>The real `watchdogctl spof`, as an operator runs it: its exit codes, its text and its JSON.</summary>
public sealed class SpofCommandTests : ScratchDirectoryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_redundant_rack_exits_0()
    {
        string[] files = new SpofRack().WriteTo(Dir);
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, ["spof", .. files]);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(
            "read 2 board configurations, 2 agent configurations, 1 DR configuration, 1 topology file\nno single point of failure found",
            stdout.Trim());
    }

    [Fact]
    public async Task Findings_exit_1_and_json_lists_them_with_file_path_and_remedy()
    {
        var rack = new SpofRack();
        rack.Files.Remove(SpofRack.Dr);
        rack[SpofRack.Topology]["brokers"] = 1;
        string[] files = rack.WriteTo(Dir);

        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, ["spof", "--json", .. files]);

        Assert.True(exit == SpofCommand.ExitFindings, stdout + stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(["files", "findings", "count", "by_layer"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["board", "board", "agent", "agent", "topology"],
            root.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("kind").GetString()));
        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(2, root.GetProperty("count").GetInt32());
        Assert.All(findings, f => Assert.Equal(["layer", "kind", "file", "path", "problem", "remedy"], f.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(
            [("watchdog", "one-broker", Path.Combine(Dir, SpofRack.Topology), "brokers"), ("site", "one-site", Path.Combine(Dir, SpofRack.BoardA), "groups[0]")],
            findings.Select(f => (f.GetProperty("layer").GetString(), f.GetProperty("kind").GetString(), f.GetProperty("file").GetString(), f.GetProperty("path").GetString())));
        Assert.Equal(
            "{\"network\":0,\"hardware\":0,\"software\":0,\"watchdog\":1,\"site\":1}",
            root.GetProperty("by_layer").GetRawText());
    }

    [Fact]
    public async Task Unusable_files_exit_2_naming_each_problem_and_print_no_findings()
    {
        var rack = new SpofRack();
        rack[SpofRack.Topology]["switches"] = new System.Text.Json.Nodes.JsonArray("sw-a");
        string[] files = rack.WriteTo(Dir);
        string missing = Path.Combine(Dir, "nowhere.json");

        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, ["spof", "--json", .. files, missing]);

        Assert.Equal(SpofCommand.ExitUnusable, exit);
        Assert.Equal("", stdout);
        string[] lines = stderr.Trim().Split('\n');
        Assert.StartsWith($"watchdogctl: {missing}: cannot be read: ", lines[0], StringComparison.Ordinal);
        string topology = Path.Combine(Dir, SpofRack.Topology);
        Assert.Equal(
            [
                $"watchdogctl: {topology}: servers[0].nics[1].switch: 'sw-b' is not in switches (sw-a)",
                $"watchdogctl: {topology}: servers[1].nics[1].switch: 'sw-b' is not in switches (sw-a)",
                "watchdogctl: 3 problem(s); nothing was judged",
            ],
            lines[1..]);
    }

    [Fact]
    public async Task No_file_at_all_is_a_usage_error()
    {
        var (exit, _, stderr) = await CliProcess.RunAsync(Timeout, "spof");
        Assert.NotEqual(0, exit);
        Assert.Contains("Required argument missing for command: 'spof'", stderr, StringComparison.Ordinal);
    }
}
