namespace Watchdog.Postgres.Tests;

/// <summary>The RPO arithmetic on a made-up log; the real-database runs are in FailoverRpoTests.</summary>
public sealed class RpoReportTests
{
    private const long Fault = 10_000;

    [Fact]
    public void Missing_acks_their_span_and_the_write_outage_are_counted()
    {
        var log = new RpoLog(
            [new RpoAck(1, 7, 9_000), new RpoAck(2, 7, 9_500), new RpoAck(3, 7, 9_900), new RpoAck(5, 8, 12_400), new RpoAck(6, 8, 12_450)],
            [new RpoError(4, 10_050, "insert: connection refused")],
            lastN: 6);

        RpoResult result = RpoReport.Count(log, new HashSet<long> { 1, 5, 6 }, Fault);

        Assert.Equal(2, result.RpoRows);
        Assert.Equal(new long[] { 2, 3 }, result.Missing);
        Assert.Equal(400, result.RpoSpanMs);
        Assert.Equal(2_400, result.WriteOutageMs);
        Assert.Equal(5, result.Acked);
    }

    [Fact]
    public void Nothing_missing_and_no_write_after_the_fault_say_so()
    {
        var log = new RpoLog([new RpoAck(1, 0, 9_000)], [], lastN: 2);

        RpoResult result = RpoReport.Count(log, new HashSet<long> { 1, 2 }, Fault);

        Assert.Equal(0, result.RpoRows);
        Assert.Equal(0, result.RpoSpanMs);
        Assert.Null(result.WriteOutageMs);
        Assert.Contains("unbounded", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void At_most_twenty_missing_numbers_are_listed_but_all_are_counted()
    {
        var log = new RpoLog([.. Enumerable.Range(1, 50).Select(n => new RpoAck(n, 0, 9_000 + n))], [], lastN: 50);

        RpoResult result = RpoReport.Count(log, new HashSet<long>(), Fault);

        Assert.Equal(50, result.RpoRows);
        Assert.Equal(20, result.Missing.Count);
        Assert.Equal(49, result.RpoSpanMs);
    }
}
