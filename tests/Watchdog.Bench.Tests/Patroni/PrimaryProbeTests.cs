using Watchdog.Bench.Analysis;
using Watchdog.Bench.Patroni;

namespace Watchdog.Bench.Tests.Patroni;

public class PrimaryProbeTests
{
    private static DirectWrite Ok(string node, double sent, double done) => new(node, sent, done, true, null);

    private static DirectWrite No(string node, double sent, double done) => new(node, sent, done, false, "read-only");

    [Fact]
    public void Consecutive_accepted_writes_make_one_interval_and_a_refusal_ends_it()
    {
        DirectWrite[] writes = [Ok("a", 0, 2), Ok("a", 50, 52), No("a", 100, 1100), Ok("a", 1150, 1152), No("b", 0, 1)];

        IReadOnlyList<Interval> a = PrimaryProbe.Accepting(writes, "a");

        Assert.Equal(new[] { new Interval(0, 52, "a"), new Interval(1150, 1152, "a") }, a);
        Assert.Empty(PrimaryProbe.Accepting(writes, "b"));
    }

    [Fact]
    public void Both_accepting_is_the_overlap_of_the_two_nodes_clipped_to_the_window()
    {
        // a accepts until 1000 (then hangs), b from 600 on: both between 600 and 1000, and the
        // window starts at 700.
        DirectWrite[] writes =
        [
            Ok("a", 0, 5), Ok("a", 500, 505), Ok("a", 990, 1000), No("a", 1050, 2050),
            No("b", 0, 5), Ok("b", 600, 605), Ok("b", 1200, 1205),
        ];

        IReadOnlyList<Interval> both = PrimaryProbe.BothAccepting(writes, "a", "b", fromMs: 700, toMs: 5000);

        Assert.Equal(300, both.Sum(i => i.DurationMs), 3);
    }

    [Fact]
    public void One_node_accepting_at_a_time_is_no_overlap()
    {
        DirectWrite[] writes = [Ok("a", 0, 5), No("a", 50, 1050), No("b", 0, 5), Ok("b", 1100, 1105), Ok("b", 1150, 1155)];

        Assert.Empty(PrimaryProbe.BothAccepting(writes, "a", "b", 0, 5000));
    }
}
