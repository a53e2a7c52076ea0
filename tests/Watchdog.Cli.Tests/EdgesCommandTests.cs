using Watchdog.Agent.Heartbeat;
using Watchdog.Cli.Commands;
using Watchdog.Cli.Tests.Broker;

namespace Watchdog.Cli.Tests;

/// <summary>The real `watchdogctl edges`: an agent's flight recorder as lines an operator reads, and a clear error for a file that is not one.</summary>
public sealed class EdgesCommandTests : ScratchDirectoryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Each_edge_is_a_line_with_its_time_the_gap_before_it_and_what_held_it()
    {
        long t = DateTimeOffset.Parse("2026-12-05T01:02:03.400Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        string path = Path.Combine(Dir, "web1.edges");
        using (var recorder = EdgeRecorder.Create(path))
        {
            recorder.Add(t, 0, 0, 0);
            recorder.Add(t + 10, 1, 1, 0);
            recorder.Add(t + 57, 37, 35, 2);
        }

        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "edges", path, "--last", "2");

        Assert.True(exit == 0, stdout + stderr);
        string[] lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("2 of 3 recorded edges", lines[0], StringComparison.Ordinal);
        Assert.Equal("2026-12-05 01:02:03.410  gap   10 ms  late    1 ms = woke 1 + work 0, gc 0", lines[1]);
        Assert.Equal("2026-12-05 01:02:03.457  gap   47 ms  late   37 ms = woke 35 + work 2, gc 2", lines[2]);
    }

    [Fact]
    public async Task A_file_that_is_not_a_recorder_exits_2_naming_it()
    {
        string path = Path.Combine(Dir, "agent.json");
        File.WriteAllText(path, "{}");

        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "edges", path);

        Assert.True(exit == EdgesCommand.ExitUnreadable, stdout + stderr);
        Assert.Equal($"watchdogctl: {path}: not a heartbeat edge record (no \"WDER\" header)", stderr.Trim());
    }
}
