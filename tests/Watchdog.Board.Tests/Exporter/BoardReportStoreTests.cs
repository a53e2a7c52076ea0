using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Watchdog.Metrics;
using Watchdog.Metrics.Exporter;
using Watchdog.Protocol.Signing;

namespace Watchdog.Board.Tests.Exporter;

/// <summary>
/// The exporter's store and pages without a broker: what it accepts, what it refuses and counts
/// (anyone can publish to the broker), and how a board that stopped publishing is shown.
/// </summary>
public sealed class BoardReportStoreTests
{
    private static readonly TopicTree Topics = new("prod");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_764_097_200_000));
    private readonly KeyRing _ring = new();
    private readonly BoardReportStore _store;
    private readonly ExporterPages _pages;

    public BoardReportStoreTests()
    {
        _ring.Add("kb-rack1", RandomNumberGenerator.GetBytes(32), KeyRole.Board, "rack1");
        _ring.Add("kb-rack2", RandomNumberGenerator.GetBytes(32), KeyRole.Board, "rack2");
        var exporterRing = new KeyRing();
        exporterRing.Add("kb-rack1", _ring.Find("kb-rack1", out _, out _)!, KeyRole.Board, "rack1");
        exporterRing.Add("kb-rack2", _ring.Find("kb-rack2", out _, out _)!, KeyRole.Board, "rack2");
        _store = new BoardReportStore(Topics, new SealedChannel(exporterRing, new PortableHmacSha256(), KeyRole.Operator, ""), _time);
        _pages = new ExporterPages(_store);
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    [Fact]
    public void A_sealed_report_is_served_under_the_boards_names_and_forged_ones_are_refused_and_counted()
    {
        Assert.Equal(404, _pages.Board("rack1").Status);
        Assert.Equal(ReportVerdict.Accepted, Offer(Report(epoch: 7), "rack1"));
        Assert.Equal(7, BoardValue("rack1", "watchdog_board_epoch"));

        string topic = Topics.BoardMetrics("rack1");
        byte[] forgedBody = MessageCodec.Encode(Report(epoch: 999));
        Assert.Equal(ReportVerdict.Refused, _store.Offer(topic, forgedBody));                                     // no seal
        Assert.Equal(ReportVerdict.Refused, _store.Offer(topic, Seal("rack2", topic, forgedBody)));               // another board's key
        byte[] genuine = Seal("rack1", topic, MessageCodec.Encode(Report(epoch: 8)));
        string tampered = Encoding.UTF8.GetString(genuine).Replace("\"epoch\":8", "\"epoch\":999", StringComparison.Ordinal);
        Assert.Equal(ReportVerdict.Refused, _store.Offer(topic, Encoding.UTF8.GetBytes(tampered)));               // a byte of the body changed
        Assert.Equal(ReportVerdict.Accepted, _store.Offer(topic, genuine));
        Assert.Equal(ReportVerdict.Refused, _store.Offer(topic, genuine));                                        // captured and replayed
        Assert.Equal(ReportVerdict.Refused, Offer(Report(epoch: 999, board: "rack2"), "rack1"));                  // names another board
        Assert.Equal(ReportVerdict.Refused, Offer(Report(epoch: 999, ts: Now - 60_000), "rack1"));                 // a minute old
        Assert.Equal(ReportVerdict.NotAReport, _store.Offer(Topics.BoardState("rack1"), forgedBody));

        Assert.Equal(8, BoardValue("rack1", "watchdog_board_epoch"));
        var refused = Exposition.Parse(_pages.Overview().Text).Single(f => f.Name == "watchdog_exporter_reports_refused_total").Samples
            .ToDictionary(s => s.Label("reason"), s => s.Value);
        Assert.Equal(new Dictionary<string, double>
        {
            ["unsealed"] = 1, ["wrong-signer"] = 1, ["bad-seal"] = 1, ["replayed"] = 1, ["wrong-board"] = 1, ["stale"] = 1,
        }, refused);
        Assert.Equal(2, OverviewValue("watchdog_exporter_reports_total", "rack1"));
    }

    [Fact]
    public void A_board_that_stops_publishing_keeps_its_age_and_loses_its_series_until_it_publishes_again()
    {
        Assert.Equal(ReportVerdict.Accepted, Offer(Report(epoch: 7, intervalMs: 1000), "rack1"));
        _time.Advance(TimeSpan.FromMilliseconds(2900));
        Assert.Equal(1, BoardValue("rack1", "watchdog_exporter_report_fresh"));
        Assert.NotNull(BoardValue("rack1", "watchdog_channel_state", "state=healthy"));

        _time.Advance(TimeSpan.FromMilliseconds(200)); // three intervals of the board's own
        var page = Exposition.Parse(_pages.Board("rack1").Text);
        Assert.Equal(["watchdog_exporter_report_age_seconds", "watchdog_exporter_report_fresh"], page.Select(f => f.Name).ToArray());
        Assert.Equal(0, BoardValue("rack1", "watchdog_exporter_report_fresh"));
        Assert.Equal(3.1, BoardValue("rack1", "watchdog_exporter_report_age_seconds")!.Value, 3);
        Assert.Equal(0, OverviewValue("watchdog_exporter_report_fresh", "rack1"));

        Assert.Equal(ReportVerdict.Accepted, Offer(Report(epoch: 9, intervalMs: 1000), "rack1"));
        Assert.Equal(9, BoardValue("rack1", "watchdog_board_epoch"));
        Assert.Equal(0, BoardValue("rack1", "watchdog_exporter_report_age_seconds"));
    }

    [Fact]
    public void Histograms_arrive_as_bucket_counts_and_are_served_cumulative_with_sum_and_count()
    {
        BoardMetricsReport r = Report(epoch: 3);
        r.Groups[0].FailoverBuckets = [0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 1];
        r.Groups[0].FailoverMsSum = 900 + 1500 + 1800 + 200_000;
        Assert.Equal(ReportVerdict.Accepted, Offer(r, "rack1"));
        Assert.Equal(0, BoardValue("rack1", "watchdog_failover_duration_seconds_bucket", "le=0.5"));
        Assert.Equal(1, BoardValue("rack1", "watchdog_failover_duration_seconds_bucket", "le=1"));
        Assert.Equal(3, BoardValue("rack1", "watchdog_failover_duration_seconds_bucket", "le=2"));
        Assert.Equal(3, BoardValue("rack1", "watchdog_failover_duration_seconds_bucket", "le=120"));
        Assert.Equal(4, BoardValue("rack1", "watchdog_failover_duration_seconds_bucket", "le=+Inf"));
        Assert.Equal(4, BoardValue("rack1", "watchdog_failover_duration_seconds_count"));
        Assert.Equal(204.2, BoardValue("rack1", "watchdog_failover_duration_seconds_sum")!.Value, 6);
        Assert.Equal(0, BoardValue("rack1", "watchdog_fence_duration_seconds_count", "node=db1"));
    }

    private ReportVerdict Offer(BoardMetricsReport report, string topicBoard)
    {
        string topic = Topics.BoardMetrics(topicBoard);
        return _store.Offer(topic, Seal(topicBoard, topic, MessageCodec.Encode(report)));
    }

    private byte[] Seal(string board, string topic, byte[] body) =>
        new SealedChannel(_ring, new PortableHmacSha256(), KeyRole.Board, board).Seal(topic, body, _time.GetUtcNow().ToUnixTimeMilliseconds() + _sealed++);

    private long _sealed;

    private double? BoardValue(string board, string name, params string[] labels) => new Scrape(Exposition.Parse(_pages.Board(board).Text)).Value(name, labels);

    private double? OverviewValue(string name, string board) => new Scrape(Exposition.Parse(_pages.Overview().Text)).Value(name, "board=" + board);

    private BoardMetricsReport Report(long epoch, string board = "rack1", int intervalMs = 5000, long? ts = null) => new()
    {
        Board = board,
        Firmware = "test",
        IntervalMs = intervalMs,
        Epoch = epoch,
        BucketBoundsMs = Watchdog.Firmware.Glue.BoardCounters.BucketBoundsMs,
        Channels = [new ChannelFigures { Channel = "ch1", Node = "db1", State = ChannelState.Healthy, PowerGood = [true], Link = [true] }],
        Groups = [new GroupFigures { Group = "db", Epoch = epoch, Phase = 1, Members = [new MemberFigures { Node = "db1", Role = NodeRole.Active, CountsAsActive = true }] }],
        Timestamp = ts ?? Now,
    };
}
