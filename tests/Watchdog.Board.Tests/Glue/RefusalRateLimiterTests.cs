using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Tests.Glue;

/// <summary>The refusal events' rate limit: a sliding window, every left-out refusal counted and handed on.</summary>
public sealed class RefusalRateLimiterTests
{
    [Fact]
    public void Admits_max_per_window_then_counts_the_rest_as_left_out()
    {
        var limiter = new RefusalRateLimiter(maxPerWindow: 5, windowMs: 10_000);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(limiter.TryAdmit(1000 + i), $"refusal {i} should be admitted");
            Assert.Equal(0, limiter.TakeLeftOut());
        }

        for (int i = 0; i < 7; i++)
        {
            Assert.False(limiter.TryAdmit(2000 + i));
        }

        Assert.Equal(7, limiter.LeftOut);
        Assert.False(limiter.HasRoom(10_999)); // the first admission (t=1000) is 9999 ms old
        Assert.True(limiter.HasRoom(11_000));
    }

    [Fact]
    public void The_next_admitted_refusal_after_the_window_takes_the_left_out_count()
    {
        var limiter = new RefusalRateLimiter(maxPerWindow: 2, windowMs: 1000);
        Assert.True(limiter.TryAdmit(0));
        Assert.True(limiter.TryAdmit(10));
        Assert.False(limiter.TryAdmit(20));
        Assert.False(limiter.TryAdmit(999));

        Assert.True(limiter.TryAdmit(1000)); // t=0 left the window
        Assert.Equal(2, limiter.TakeLeftOut());
        Assert.Equal(0, limiter.LeftOut);
        Assert.False(limiter.TryAdmit(1009)); // t=10 and t=1000 still inside
        Assert.True(limiter.TryAdmit(1010));
        Assert.Equal(1, limiter.TakeLeftOut());
    }

    [Fact]
    public void A_summary_is_due_once_the_window_has_room_even_without_another_refusal()
    {
        var limiter = new RefusalRateLimiter(maxPerWindow: 1, windowMs: 500);
        Assert.False(limiter.TryAdmitSummary(0)); // nothing left out: no summary
        Assert.True(limiter.TryAdmit(0));
        Assert.False(limiter.TryAdmit(100));
        Assert.False(limiter.TryAdmit(200));

        Assert.False(limiter.TryAdmitSummary(499)); // window still full
        Assert.True(limiter.TryAdmitSummary(500));
        Assert.Equal(2, limiter.TakeLeftOut());

        // The summary took the slot: a refusal right after it is left out, and summarised next window.
        Assert.False(limiter.TryAdmit(600));
        Assert.False(limiter.TryAdmitSummary(999));
        Assert.True(limiter.TryAdmitSummary(1000));
        Assert.Equal(1, limiter.TakeLeftOut());
        Assert.False(limiter.TryAdmitSummary(5000)); // reported: nothing more to say
    }

    [Fact]
    public void A_steady_flood_gets_max_per_window_and_every_refusal_is_accounted_for()
    {
        var limiter = new RefusalRateLimiter(maxPerWindow: 5, windowMs: 10_000);
        long publishedRefusals = 0;
        long summaries = 0;
        long reportedLeftOut = 0;
        const long refusals = 60_000; // one per millisecond for a minute

        // In the tick loops' order: the refusals of a tick first, then the summary check.
        for (long t = 0; t < refusals; t++)
        {
            if (limiter.TryAdmit(t))
            {
                publishedRefusals++;
                reportedLeftOut += limiter.TakeLeftOut();
            }

            if (limiter.TryAdmitSummary(t))
            {
                summaries++;
                reportedLeftOut += limiter.TakeLeftOut();
            }
        }

        // The flood stops; ticks go on and the tail's count goes out as a summary.
        for (long t = refusals; t < refusals + 20_000 && limiter.LeftOut > 0; t += 10)
        {
            if (limiter.TryAdmitSummary(t))
            {
                summaries++;
                reportedLeftOut += limiter.TakeLeftOut();
            }
        }

        Assert.Equal(6 * 5, publishedRefusals); // the first 5 of each 10 s window
        Assert.Equal(1, summaries);
        Assert.Equal(0, limiter.LeftOut);
        Assert.Equal(refusals, publishedRefusals + reportedLeftOut); // none lost silently
    }
}
