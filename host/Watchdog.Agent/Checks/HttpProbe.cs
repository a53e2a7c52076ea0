using System.Diagnostics;
using System.Net.Security;

namespace Watchdog.Agent.Checks;

/// <summary>
/// An HTTP(S) GET: passes when the status is accepted and the answer came within MaxLatencyMs.
/// The latency is the application response time reported in the metrics.
/// </summary>
public sealed class HttpProbe : IProbe
{
    private readonly Uri _url;
    private readonly IReadOnlyCollection<int> _expect;
    private readonly int _maxLatencyMs;
    private readonly HttpClient _client;

    public HttpProbe(string url, IReadOnlyCollection<int> expectStatus, int maxLatencyMs, bool insecureTls)
    {
        _url = new Uri(url);
        _expect = expectStatus;
        _maxLatencyMs = maxLatencyMs;
        var handler = new SocketsHttpHandler
        {
            // A fresh connection per probe would hide a listener that stopped accepting; a
            // short idle time keeps the probe honest without a connect per request on a busy rig.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2),
            AllowAutoRedirect = false,
            UseProxy = false,
        };
        if (insecureTls)
        {
            // Opt-in per check (InsecureTls: true) for test rigs with self-signed certificates.
#pragma warning disable CA5359
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        }

        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Latency of the last answer in ms, -1 before the first.</summary>
    public double LastLatencyMs { get; private set; } = -1;

    public async Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            using HttpResponseMessage response = await _client.GetAsync(_url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            double ms = Math.Round(sw.Elapsed.TotalMilliseconds, 1);
            LastLatencyMs = ms;
            int status = (int)response.StatusCode;
            bool statusOk = _expect.Count == 0 ? status >= 200 && status < 400 : _expect.Contains(status);
            if (!statusOk)
            {
                return ProbeOutcome.Fail("HTTP " + status + " from " + _url + " in " + ms + " ms", ms);
            }

            if (_maxLatencyMs > 0 && ms > _maxLatencyMs)
            {
                return ProbeOutcome.Fail("HTTP " + status + " but slow: " + ms + " ms > " + _maxLatencyMs + " ms", ms);
            }

            return ProbeOutcome.Pass("HTTP " + status + " in " + ms + " ms", ms);
        }
        catch (HttpRequestException ex)
        {
            return ProbeOutcome.Fail("GET " + _url + " failed: " + ex.Message);
        }
    }

    public void Dispose() => _client.Dispose();
}
