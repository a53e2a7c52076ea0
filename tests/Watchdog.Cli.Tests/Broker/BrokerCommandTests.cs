namespace Watchdog.Cli.Tests.Broker;

/// <summary>The real `watchdogctl broker config` as an operator runs it.</summary>
public sealed class BrokerCommandTests : ScratchDirectoryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Writes_the_files_refuses_to_overwrite_them_and_adds_an_operator_with_keep_existing()
    {
        string boardFile = Path.Combine(Dir, "board.json");
        File.WriteAllText(boardFile, BrokerTestSupport.BoardJson("prod", "rack1", "db", "db1", "db2"));
        string outDir = Path.Combine(Dir, "out");

        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", boardFile, "--operator", "alice", "--out", outDir);
        Assert.True(exit == 0, stderr);
        Assert.Contains("cluster prod: 1 board(s), 2 node(s), 1 operator(s)", stdout, StringComparison.Ordinal);
        Assert.Contains("listeners: *:1883 (plain)", stdout, StringComparison.Ordinal);
        foreach (string user in new[] { "board-rack1", "agent-db1", "agent-db2", "operator-alice" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, "credentials", user + ".password")), user);
        }

        string db1 = BrokerTestSupport.Password(outDir, "agent-db1");

        (exit, _, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", boardFile, "--operator", "alice", "--out", outDir);
        Assert.Equal(1, exit);
        Assert.Contains("refusing to overwrite", stderr, StringComparison.Ordinal);
        Assert.Contains("credentials/agent-db1.password", stderr, StringComparison.Ordinal);

        (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", boardFile, "--operator", "alice", "--operator", "bob", "--out", outDir, "--keep-existing");
        Assert.True(exit == 0, stderr);
        Assert.Contains("kept  credentials/agent-db1.password", stdout, StringComparison.Ordinal);
        Assert.Contains("wrote credentials/operator-bob.password", stdout, StringComparison.Ordinal);
        Assert.Equal(db1, BrokerTestSupport.Password(outDir, "agent-db1"));
        Assert.Contains("user operator-bob", File.ReadAllText(Path.Combine(outDir, "acl_file")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_sites_are_bridged_in_three_runs_and_each_keeps_the_password_the_other_uses()
    {
        string eastBoard = Path.Combine(Dir, "east.json"), westBoard = Path.Combine(Dir, "west.json");
        File.WriteAllText(eastBoard, BrokerTestSupport.BoardJson("east", "rack1", "web", "east-web1"));
        File.WriteAllText(westBoard, BrokerTestSupport.BoardJson("west", "rack1", "web", "west-web1"));
        string eastOut = Path.Combine(Dir, "east"), westOut = Path.Combine(Dir, "west");

        // East first: a user for west's bridge. West then: a user for east's, and its bridge to east with the password east made.
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", eastBoard, "--operator", "alice", "--out", eastOut, "--bridge-peer", "west");
        Assert.True(exit == 0, stderr);
        Assert.Contains("site west's bridge may push its status and events here as bridge-west", stdout, StringComparison.Ordinal);
        (exit, _, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", westBoard, "--operator", "alice", "--out", westOut,
            "--bridge-to", "east=10.1.0.5:1883", "--bridge-password-file", Path.Combine(eastOut, "credentials", "bridge-west.password"));
        Assert.True(exit == 0, stderr);

        // East again, keeping its files, with its bridge to west.
        (exit, _, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", eastBoard, "--operator", "alice", "--out", eastOut, "--keep-existing",
            "--bridge-to", "west=10.2.0.5:1883", "--bridge-password-file", Path.Combine(westOut, "credentials", "bridge-east.password"));
        Assert.True(exit == 0, stderr);

        string westConf = File.ReadAllText(Path.Combine(westOut, "mosquitto.conf")), eastConf = File.ReadAllText(Path.Combine(eastOut, "mosquitto.conf"));
        Assert.Contains("address 10.1.0.5:1883\n", westConf, StringComparison.Ordinal);
        Assert.Contains("remote_password " + BrokerTestSupport.Password(eastOut, "bridge-west") + "\n", westConf, StringComparison.Ordinal);
        Assert.Contains("address 10.2.0.5:1883\n", eastConf, StringComparison.Ordinal);
        Assert.Contains("remote_password " + BrokerTestSupport.Password(westOut, "bridge-east") + "\n", eastConf, StringComparison.Ordinal);
        Assert.Contains("user bridge-west\n", File.ReadAllText(Path.Combine(eastOut, "acl_file")), StringComparison.Ordinal);

        (exit, _, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", eastBoard, "--operator", "alice", "--out", Dir + "/c", "--bridge-to", "west=10.2.0.5:1883");
        Assert.NotEqual(0, exit);
        Assert.Contains("--bridge-to needs --bridge-password-file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_generation_needs_the_names_clients_use_and_bad_configurations_are_named()
    {
        string boardFile = Path.Combine(Dir, "board.json");
        File.WriteAllText(boardFile, BrokerTestSupport.BoardJson("prod", "rack1", "db", "db1"));

        var (exit, _, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", boardFile, "--operator", "alice", "--out", Dir + "/a", "--generate-tls");
        Assert.NotEqual(0, exit);
        Assert.Contains("--generate-tls needs at least one --tls-host", stderr, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(Dir, "broken.json"), """{"board":"rack1"}""");
        (exit, _, stderr) = await CliProcess.RunAsync(Timeout, "broker", "config", "--board-config", Path.Combine(Dir, "broken.json"), "--operator", "alice", "--out", Dir + "/b");
        Assert.Equal(2, exit);
        Assert.StartsWith("watchdogctl: --board-config '", stderr.Trim(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Dir + "/b"));
    }
}
