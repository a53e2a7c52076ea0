using System.Diagnostics;
using System.Net;
using Watchdog.Bench.Network;
using Watchdog.Bench.Timing;

namespace Watchdog.Bench.Patroni;

/// <summary>
/// Debian's etcd 3.4 (/usr/bin/etcd) as Patroni's DCS: one member, alone in its own namespace
/// (a third machine: a fault of a database node never takes the DCS with it, and a node whose
/// link is down loses etcd like a real partitioned server). One member is not a production
/// etcd (that wants three), but it is what Patroni's quick start does and it keeps the
/// comparison about Patroni's timing, not about etcd's own elections. Clients speak the v3 API
/// (Patroni's etcd3 section); etcd 3.4 has the v2 API off by default.
/// </summary>
public sealed class EtcdMember : IDisposable
{
    public const string Binary = "/usr/bin/etcd";
    public const int ClientPort = 2379;
    public const int PeerPort = 2380;

    private EtcdMember(NamespaceProcess process, IPAddress address)
    {
        Process = process;
        Address = address;
    }

    public NamespaceProcess Process { get; }

    public IPAddress Address { get; }

    /// <summary>What Patroni's etcd3.hosts takes.</summary>
    public string ClientEndpoint => $"{Address}:{ClientPort}";

    /// <summary>Starts etcd in <paramref name="ns"/> on <paramref name="address"/> and waits until /health says true.</summary>
    public static EtcdMember Start(string ns, IPAddress address, string dataDirectory, BenchClock clock, TimeSpan timeout)
    {
        if (!File.Exists(Binary))
        {
            throw new BenchSetupException($"{Binary} is missing: install Debian's etcd-server package (./scripts/install-test-deps.sh)");
        }

        string client = $"http://{address}:{ClientPort}";
        string peer = $"http://{address}:{PeerPort}";
        var process = NamespaceProcess.Start(ns, clock, Binary,
            "--name", "dcs",
            "--data-dir", dataDirectory,
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "dcs=" + peer,
            "--initial-cluster-state", "new");
        var member = new EtcdMember(process, address);
        try
        {
            member.WaitHealthy(timeout);
            return member;
        }
        catch
        {
            member.Dispose();
            throw;
        }
    }

    /// <summary>Polls GET /health until etcd answers {"health":"true"} (it has a leader and serves reads).</summary>
    public void WaitHealthy(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        string last = "no answer yet";
        while (waited.Elapsed < timeout)
        {
            if (Process.HasExited)
            {
                throw new BenchSetupException($"etcd exited before it was healthy; its output: {Tail()}");
            }

            try
            {
                string body = http.GetStringAsync(new Uri($"http://{ClientEndpoint}/health")).GetAwaiter().GetResult();
                if (body.Replace(" ", string.Empty, StringComparison.Ordinal).Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }

                last = body;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            Thread.Sleep(100);
        }

        throw new BenchSetupException($"etcd on {ClientEndpoint} was not healthy within {timeout.TotalSeconds:0} s (last: {last}); its output: {Tail()}");
    }

    private string Tail() => string.Join(" | ", Process.Lines.TakeLast(5).Select(l => l.Text));

    public void Dispose() => Process.Dispose();
}
