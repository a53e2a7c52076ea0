using System.Net;
using System.Text;

namespace Watchdog.Metrics.Exporter;

/// <summary>
/// The exporter's HTTP endpoint: GET /metrics (the exporter's own series) and
/// GET /metrics?board=&lt;name&gt; (one board's series), read-only, no authentication (bind it to
/// a management address, as the board's own endpoint). HttpListener, like prometheus-net's
/// MetricServer, so the exporter needs no ASP.NET Core either.
/// </summary>
public sealed class ExporterEndpoint : IDisposable
{
    private readonly HttpListener _listener;
    private readonly ExporterPages _pages;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private ExporterEndpoint(HttpListener listener, ExporterPages pages, ListenAddress address)
    {
        _listener = listener;
        _pages = pages;
        Address = address;
        _serving = Task.Run(ServeAsync);
    }

    public ListenAddress Address { get; }

    /// <summary>Starts serving; false with a sentence when the address cannot be bound.</summary>
    public static bool TryStart(ListenAddress address, ExporterPages pages, out ExporterEndpoint? endpoint, out string error)
    {
        endpoint = null;
        error = "";
        string host = address.Host == "*" ? "+" : address.Host.Contains(':', StringComparison.Ordinal) ? "[" + address.Host + "]" : address.Host;
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://{host}:{address.Port}/metrics/");
        try
        {
            listener.Start();
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            listener.Close();
            error = $"exporter endpoint {address}: cannot listen: {e.Message}";
            return false;
        }

        endpoint = new ExporterEndpoint(listener, pages, address);
        return true;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            try
            {
                Answer(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The scraper went away mid-answer: nothing to tell it.
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        HttpListenerResponse response = context.Response;
        string path = context.Request.Url?.AbsolutePath.TrimEnd('/') ?? "";
        string? board = context.Request.QueryString["board"];
        ExporterPages.Page page = path != "/metrics" ? new ExporterPages.Page(404, "not found: the exporter serves /metrics and /metrics?board=<name>\n")
            : board is null ? _pages.Overview()
            : _pages.Board(board);
        byte[] body = Encoding.UTF8.GetBytes(page.Text);
        response.StatusCode = page.Status;
        response.ContentType = page.Status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8";
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // ServeAsync ends on the closed listener; nothing else to wait for.
        }

        _stop.Dispose();
    }
}
