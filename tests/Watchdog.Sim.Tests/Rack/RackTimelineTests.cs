using System.Diagnostics;
using System.Text.Json;

namespace Watchdog.Sim.Tests.Rack;

public sealed class RackTimelineTests
{
    [Fact]
    public void Events_recorded_late_with_an_earlier_timestamp_are_kept_in_time_order()
    {
        var timeline = new RackTimeline();
        long early = Stopwatch.GetTimestamp();
        Thread.Sleep(5);
        timeline.Record(TimelineKind.Fault, "node-a", "kill -9 agent");
        timeline.Record(early, TimelineKind.Wire, "node-a", "heartbeat stopped");

        IReadOnlyList<TimelineEvent> events = timeline.Snapshot();

        Assert.Equal(["heartbeat stopped", "kill -9 agent"], events.Select(e => e.What));
        Assert.True(events[1].AtMs - events[0].AtMs >= 4.5);
    }

    [Fact]
    public void Json_lines_carry_time_kind_subject_and_what()
    {
        var timeline = new RackTimeline();
        timeline.Record(TimelineKind.Relay, "node-b", "reset held: frozen", "gpio 15");
        var text = new StringWriter();

        timeline.WriteJsonLines(text);

        using JsonDocument line = JsonDocument.Parse(text.ToString().Trim());
        Assert.Equal("relay", line.RootElement.GetProperty("kind").GetString());
        Assert.Equal("node-b", line.RootElement.GetProperty("subject").GetString());
        Assert.Equal("reset held: frozen", line.RootElement.GetProperty("what").GetString());
        Assert.Equal("gpio 15", line.RootElement.GetProperty("detail").GetString());
        Assert.True(line.RootElement.GetProperty("at_ms").GetDouble() >= 0);
    }
}
