namespace Watchdog.Metrics.Exporter;

/// <summary>
/// What the exporter serves. One board per page, as Prometheus' multi-target exporters do
/// (blackbox, snmp): /metrics?board=&lt;name&gt; holds exactly the series that board's own endpoint
/// would (BoardReportSeries), so two boards with channels of the same name never collide and the
/// dashboard's queries work unchanged; /metrics holds the exporter's own series for every board.
/// A stale board (no report within its staleness limit) keeps only its age and freshness: its
/// last values are dropped rather than served as if current, so Prometheus marks its series
/// stale and panels and alerts show it gone instead of a frozen "healthy".
/// </summary>
public sealed class ExporterPages(BoardReportStore store)
{
    public sealed record Page(int Status, string Text);

    public Page Overview()
    {
        var w = new ExpositionWriter();
        IReadOnlyList<BoardReportStore.BoardEntry> boards = store.Boards();
        WriteFreshness(w, boards);
        w.Family("watchdog_exporter_reports_total", "counter", "Metrics reports accepted from the board (sealed by its key, fresh, never seen before).");
        foreach (BoardReportStore.BoardEntry b in boards)
        {
            w.Sample("watchdog_exporter_reports_total", b.Accepted, "board", b.Board);
        }

        w.Family("watchdog_exporter_reports_refused_total", "counter", "Messages on board metrics topics refused (not sealed by the board's key, replayed, unreadable, stale), by reason.");
        foreach (KeyValuePair<string, long> r in store.RefusedByReason().OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            w.Sample("watchdog_exporter_reports_refused_total", r.Value, "reason", r.Key);
        }

        return new Page(200, w.ToString());
    }

    public Page Board(string board)
    {
        BoardReportStore.BoardEntry? b = store.Board(board);
        if (b is null)
        {
            return new Page(404, $"no metrics report accepted from board '{board}' since the exporter started (the board publishes them only with --metrics-mqtt-interval-ms or DeviceSettings.MetricsReportIntervalMs; see /metrics for refusals)\n");
        }

        var w = new ExpositionWriter();
        WriteFreshness(w, [b]);
        if (b.Fresh)
        {
            BoardReportSeries.Write(w, b.Report, store.Topics.Cluster);
        }

        return new Page(200, w.ToString());
    }

    private static void WriteFreshness(ExpositionWriter w, IReadOnlyList<BoardReportStore.BoardEntry> boards)
    {
        w.Family("watchdog_exporter_report_age_seconds", "gauge", "Seconds since the board's last accepted metrics report arrived.");
        foreach (BoardReportStore.BoardEntry b in boards)
        {
            w.Sample("watchdog_exporter_report_age_seconds", b.Age.TotalSeconds, "board", b.Board);
        }

        w.Family("watchdog_exporter_report_fresh", "gauge", "1 while the board's last report is younger than its staleness limit (three of its publish intervals); 0: its series are withdrawn.");
        foreach (BoardReportStore.BoardEntry b in boards)
        {
            w.Sample("watchdog_exporter_report_fresh", b.Fresh, "board", b.Board);
        }
    }
}
