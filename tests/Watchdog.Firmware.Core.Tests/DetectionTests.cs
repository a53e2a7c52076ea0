namespace Watchdog.Firmware.Core.Tests;

/// <summary>The heartbeat detector and the debouncer on their own.</summary>
public sealed class DetectionTests
{
    [Fact]
    public void Heartbeat_is_fresh_then_late_then_lost_at_the_configured_ticks()
    {
        var hb = new HeartbeatDetector(periodTicks: 5, suspectTicks: 12, timeoutTicks: 30);
        Assert.True(hb.Lost);
        hb.Observe(1);
        Assert.True(hb.Fresh);
        for (int i = 0; i < 11; i++) { hb.Observe(0); }
        Assert.True(hb.Fresh);
        hb.Observe(0);
        Assert.True(hb.Late);
        Assert.False(hb.Lost);
        for (int i = 0; i < 17; i++) { hb.Observe(0); }
        Assert.False(hb.Lost);
        hb.Observe(0);
        Assert.True(hb.Lost);
        hb.Observe(2);
        Assert.True(hb.Fresh);
        Assert.Equal(0, hb.TicksSinceEdge);
    }

    [Fact]
    public void Suspicion_grows_with_silence_relative_to_the_learned_interval()
    {
        var hb = new HeartbeatDetector(periodTicks: 5, suspectTicks: 12, timeoutTicks: 30);
        for (int i = 0; i < 50; i++) { hb.Observe(i % 5 == 0 ? 1 : 0); }
        int early = hb.SuspicionPercent;
        for (int i = 0; i < 10; i++) { hb.Observe(0); }
        int later = hb.SuspicionPercent;
        Assert.True(later > early, $"{later} <= {early}");
        Assert.InRange(later, 150, 400);
    }

    [Fact]
    public void Edges_in_window_count_the_last_timeout_ticks_only()
    {
        var hb = new HeartbeatDetector(periodTicks: 2, suspectTicks: 3, timeoutTicks: 6);
        for (int i = 0; i < 6; i++) { hb.Observe(1); }
        Assert.Equal(6, hb.EdgesInWindow);
        for (int i = 0; i < 4; i++) { hb.Observe(0); }
        Assert.Equal(2, hb.EdgesInWindow);
    }

    [Fact]
    public void A_glitch_shorter_than_the_debounce_is_never_seen()
    {
        var d = new Debouncer(4);
        d.Update(true);
        for (int i = 0; i < 3; i++) { Assert.False(d.Update(false)); }
        Assert.True(d.Value);
        d.Update(true);
        for (int i = 0; i < 3; i++) { Assert.False(d.Update(false)); }
        Assert.True(d.Update(false));
        Assert.False(d.Value);
    }
}
