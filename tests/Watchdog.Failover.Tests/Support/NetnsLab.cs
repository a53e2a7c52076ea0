using System.Diagnostics;

namespace Watchdog.Failover.Tests.Support;

/// <summary>
/// Network namespaces created by one test (named wdfo-&lt;random&gt;-&lt;role&gt;), deleted with
/// everything in them on Dispose. Deleting a namespace removes its interfaces; background
/// processes the test started inside are killed first so the namespace can go.
/// </summary>
internal sealed class NetnsLab : IDisposable
{
    private readonly string _id = "wdfo-" + Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _namespaces = new();
    private readonly List<Process> _processes = new();

    /// <summary>Creates a namespace with lo up; returns its name.</summary>
    public string Add(string role)
    {
        string ns = _id + "-" + role;
        Sh.Must($"ip netns add {ns}");
        _namespaces.Add(ns);
        Sh.Must($"ip -n {ns} link set lo up");
        return ns;
    }

    /// <summary>One namespace with a veth pair inside (v0 addressed, v1 its peer), both up: an Ethernet interface arping can use.</summary>
    public string Single(string address)
    {
        string ns = Add("s");
        Sh.Must($"ip -n {ns} link add v0 type veth peer name v1");
        Sh.Must($"ip -n {ns} link set v0 up && ip -n {ns} link set v1 up");
        Sh.Must($"ip -n {ns} address add {address} dev v0");
        return ns;
    }

    /// <summary>A hub namespace with a bridge, and each given namespace plugged into it with eth0 = its address.</summary>
    public void Switch(params (string Ns, string Address)[] members)
    {
        string hub = Add("hub");
        Sh.Must($"ip -n {hub} link add br0 type bridge && ip -n {hub} link set br0 up");
        int i = 0;
        foreach ((string ns, string address) in members)
        {
            string port = "p" + i++;
            Sh.Must($"ip -n {hub} link add {port} type veth peer name eth0 netns {ns}");
            Sh.Must($"ip -n {hub} link set {port} master br0 && ip -n {hub} link set {port} up");
            Sh.Must($"ip -n {ns} address add {address} dev eth0 && ip -n {ns} link set eth0 up");
        }
    }

    public static string Addresses(string ns, string dev) => Sh.Must($"ip -n {ns} -4 -o address show dev {dev}");

    public static string Mac(string ns, string dev) => Sh.Must($"ip netns exec {ns} cat /sys/class/net/{dev}/address").Trim();

    /// <summary>Starts a TCP server in the namespace that answers every connection with <paramref name="reply"/>.</summary>
    public void Serve(string ns, int port, string reply)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "netns", "exec", ns, "perl", "-MIO::Socket::INET", "-e",
            "$s=IO::Socket::INET->new(LocalPort=>" + port + ",Listen=>5,ReuseAddr=>1) or die $!; $|=1; print \"ready\\n\"; while($c=$s->accept){print $c \"" + reply + "\\n\"; close $c}" })
        {
            psi.ArgumentList.Add(a);
        }

        Process p = Process.Start(psi)!;
        _processes.Add(p);
        string? first = p.StandardOutput.ReadLine();
        if (first != "ready")
        {
            throw new InvalidOperationException("test server did not start in " + ns + ": " + p.StandardError.ReadToEnd());
        }
    }

    /// <summary>Connects from the namespace and returns the first line the server sent, or the error.</summary>
    public static Sh.Result Connect(string ns, string address, int port) =>
        Sh.Run($"ip netns exec {ns} timeout 3 bash -c 'exec 3<>/dev/tcp/{address}/{port} && head -1 <&3'");

    public void Dispose()
    {
        foreach (Process p in _processes)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(2000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            p.Dispose();
        }

        foreach (string ns in _namespaces)
        {
            Sh.Run($"ip netns del {ns}");
        }
    }
}
