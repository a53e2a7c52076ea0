namespace Watchdog.Agent.Tests;

/// <summary>The real process refuses a bad configuration: exit code 2, the reasons on stderr, no stack trace.</summary>
public sealed class ConfigProcessTests
{
    [Fact]
    public void Bad_configuration_exits_2_with_every_reason_and_no_stack_trace()
    {
        using var dir = new TempDirectory();
        string config = dir.Write("bad.json", AgentConfigs.Valid(dir.File("w"), 1883, """[ { "Name": "web", "Kind": "http", "Url": "not a url" } ]""", periodMs: 3));
        (int code, string output) = AgentProcess.Run(TimeSpan.FromSeconds(30), "--config", config);
        Assert.Equal(2, code);
        Assert.Contains("refusing to start", output, StringComparison.Ordinal);
        Assert.Contains("Heartbeat:PeriodMs = 3: must be between 10 and 60000", output, StringComparison.Ordinal);
        Assert.Contains("Checks:0:Url = 'not a url': must be an absolute http:// or https:// URL", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_config_argument_exits_2()
    {
        (int code, string output) = AgentProcess.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.Contains("no configuration file given", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_config_accepts_a_good_file_and_exits_0()
    {
        using var dir = new TempDirectory();
        string config = dir.Write("good.json", AgentConfigs.Valid(dir.File("w"), 1883));
        (int code, string output) = AgentProcess.Run(TimeSpan.FromSeconds(30), "--config", config, "--check-config");
        Assert.Equal(0, code);
        Assert.Contains("configuration OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreadable_key_file_line_exits_2_naming_the_line()
    {
        using var dir = new TempDirectory();
        string keys = dir.Write("keys", "k1 0123\n");
        File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string config = dir.Write("k.json", AgentConfigs.Valid(dir.File("w"), 1883, extra: "\"Commands\": { \"KeyFile\": \"" + keys + "\" },"));
        (int code, string output) = AgentProcess.Run(TimeSpan.FromSeconds(30), "--config", config);
        Assert.Equal(2, code);
        Assert.Contains("Commands:KeyFile = '" + keys + "':1: expected 'operator <key-id>:<hex>', 'board <board> <key-id>:<hex>' or 'node <node> <key-id>:<hex>'", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_others_can_read_exits_2_saying_chmod_600()
    {
        using var dir = new TempDirectory();
        string keys = dir.Write("keys", "operator k1:" + new string('0', 64) + "\n");
        File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        string config = dir.Write("k.json", AgentConfigs.Valid(dir.File("w"), 1883, extra: "\"Commands\": { \"KeyFile\": \"" + keys + "\" },"));
        (int code, string output) = AgentProcess.Run(TimeSpan.FromSeconds(30), "--config", config);
        Assert.Equal(2, code);
        Assert.Contains("Commands:KeyFile '" + keys + "' can be read or written by others (mode 0644)", output, StringComparison.Ordinal);
        Assert.Contains("chmod 600", output, StringComparison.Ordinal);
    }
}
