using Watchdog.Lab.Live;

namespace Watchdog.Lab.Tests.Live;

public sealed class LiveRackRequestTests
{
    [Theory]
    [InlineData("fault hang web1", LiveRackVerb.Fault, "hang", "web1")]
    [InlineData("  fault  board-crash   rack1 ", LiveRackVerb.Fault, "board-crash", "rack1")]
    [InlineData("recover web2", LiveRackVerb.Recover, null, "web2")]
    [InlineData("down", LiveRackVerb.Down, null, null)]
    public void Request_lines_parse_and_print_back(string line, LiveRackVerb verb, string? fault, string? target)
    {
        Assert.True(LiveRackRequest.TryParse(line, out var request, out var error), error);
        Assert.Equal(new LiveRackRequest(verb, fault, target), request);
        Assert.True(LiveRackRequest.TryParse(request!.ToString(), out var again, out _));
        Assert.Equal(request, again);
    }

    [Theory]
    [InlineData("fault hang", "'fault hang': a fault request is 'fault <fault> <node or board>'")]
    [InlineData("recover", "'recover': a recover request is 'recover <node or board>'")]
    [InlineData("reboot web1", "'reboot web1' is not a request: 'fault <fault> <target>', 'recover <target>' or 'down'")]
    [InlineData("", "'' is not a request: 'fault <fault> <target>', 'recover <target>' or 'down'")]
    public void A_line_that_is_no_request_says_what_is_wrong_with_it(string line, string expected)
    {
        Assert.False(LiveRackRequest.TryParse(line, out var request, out var error));
        Assert.Null(request);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_missing_session_names_the_folder_and_how_to_start_a_rack()
    {
        var dir = Path.Combine(Path.GetTempPath(), "watchdog-no-rack-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<LabFailedException>(() => LiveRackSession.ReadFrom(dir));
        Assert.Contains(dir, ex.Message);
        Assert.Contains("watchdogctl rack up", ex.Message);
    }

    [Fact]
    public void A_session_file_that_is_not_json_is_named_in_the_error()
    {
        var dir = Directory.CreateTempSubdirectory("watchdog-bad-session-").FullName;
        try
        {
            File.WriteAllText(LiveRackSession.PathIn(dir), "{ not json");
            var ex = Assert.Throws<LabFailedException>(() => LiveRackSession.ReadFrom(dir));
            Assert.Contains(LiveRackSession.PathIn(dir), ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
