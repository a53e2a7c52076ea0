using System.Globalization;
using System.Net;
using System.Text.Json;
using Watchdog.Bench.Network;
using Watchdog.Bench.Timing;
using Watchdog.Platform.Posix;
using HostCommand = Watchdog.Bench.Network.HostCommand;

namespace Watchdog.Bench.Patroni;

/// <summary>What a node's REST API says it is: GET /primary or /replica answered 200, or neither.</summary>
public enum PatroniRole
{
    /// <summary>Neither endpoint said 200: stopped, starting, unreachable, or frozen.</summary>
    Unknown,
    Primary,
    Replica,
}

/// <summary>A line of Patroni's log that marks a role change, stamped when the bench read it.</summary>
public sealed record PatroniEvent(double AtMs, string Node, string Text);

/// <summary>
/// One Patroni node: Debian's /usr/bin/patroni (3.0.2) in the node's namespace, run as the
/// postgres user (PostgreSQL refuses root) through setpriv and env, which both exec, so
/// <see cref="PatroniPid"/> is Patroni's own pid, the one a kill -9 must hit. Patroni starts
/// and stops its PostgreSQL itself; the postmaster it forks lives in the same namespace.
/// </summary>
public sealed class PatroniNode : IDisposable
{
    public const string Binary = "/usr/bin/patroni";

    /// <summary>Patroni's log lines that mark a role change (ha.py's messages in 3.0.2).</summary>
    private static readonly string[] RoleMarkers =
    [
        "promoted self to leader",
        "acquired session lock as a leader",
        "demoting self",
        "demoted self",
    ];

    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(1) };

    private PatroniNode(PatroniNodeLayout layout, string ns, NamespaceProcess process)
    {
        Layout = layout;
        Namespace = ns;
        Process = process;
    }

    public PatroniNodeLayout Layout { get; }

    public string Name => Layout.Name;

    public IPAddress Address => Layout.Address;

    public string Namespace { get; }

    public NamespaceProcess Process { get; }

    public int PatroniPid => Process.Pid;

    /// <summary>Starts Patroni for <paramref name="layout"/> in <paramref name="ns"/>; does not wait for a role.</summary>
    public static PatroniNode Start(PatroniNodeLayout layout, string ns, string configText, BenchClock clock)
    {
        if (!File.Exists(Binary))
        {
            throw new BenchSetupException($"{Binary} is missing: install Debian's patroni package (./scripts/install-test-deps.sh)");
        }

        Directory.CreateDirectory(layout.Root);
        Directory.CreateDirectory(layout.SocketDirectory);
        Directory.CreateDirectory(layout.LogDirectory);
        File.WriteAllText(layout.ConfigFile, configText);
        // Patroni runs initdb or pg_basebackup into data/ itself; PostgreSQL wants it all owned by
        // its user and the data directory 0700 (which initdb sets).
        HostCommand.Run("chown", "-R", "postgres:postgres", layout.Root);
        HostCommand.Run("chmod", "0700", layout.Root);
        var process = NamespaceProcess.Start(ns, clock, "/usr/bin/setpriv",
            "--reuid=postgres", "--regid=postgres", "--init-groups",
            "/usr/bin/env", "-C", layout.Root, "HOME=" + layout.Root, "USER=postgres", "PGHOST=" + layout.SocketDirectory,
            Binary, layout.ConfigFile);
        return new PatroniNode(layout, ns, process);
    }

    /// <summary>The node's role as its REST API reports it (1 s per request: a frozen node reads as unknown).</summary>
    public PatroniRole Role()
    {
        if (Answers200("primary"))
        {
            return PatroniRole.Primary;
        }

        return Answers200("replica") ? PatroniRole.Replica : PatroniRole.Unknown;
    }

    /// <summary>GET /sync answered 200: this replica is the synchronous standby Patroni named.</summary>
    public bool IsSynchronousStandby() => Answers200("sync");

    /// <summary>The application names the primary's pg_stat_replication lists as streaming (GET /patroni's "replication").</summary>
    public IReadOnlyList<string> StreamingReplicas()
    {
        string? body = Get("patroni");
        if (body is null)
        {
            return [];
        }

        using JsonDocument doc = JsonDocument.Parse(body);
        if (!doc.RootElement.TryGetProperty("replication", out JsonElement replication) || replication.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return replication.EnumerateArray()
            .Where(r => r.TryGetProperty("state", out JsonElement s) && s.GetString() == "streaming")
            .Select(r => r.TryGetProperty("application_name", out JsonElement a) ? a.GetString() ?? string.Empty : string.Empty)
            .ToList();
    }

    private bool Answers200(string endpoint)
    {
        try
        {
            using HttpResponseMessage response = http.GetAsync(RestUri(endpoint)).GetAwaiter().GetResult();
            return (int)response.StatusCode == 200;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private string? Get(string endpoint)
    {
        try
        {
            return http.GetStringAsync(RestUri(endpoint)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private Uri RestUri(string endpoint) => new($"http://{Address}:{PatroniConfig.RestPort}/{endpoint}");

    /// <summary>Every PostgreSQL process of this node (the postmaster and its children): the processes of its namespace named "postgres".</summary>
    public IReadOnlyList<int> PostgresPids()
    {
        var pids = new List<int>();
        foreach (string line in HostCommand.Run("ip", "netns", "pids", Namespace).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid != PatroniPid && CommandName(pid) == "postgres")
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    private static string? CommandName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // exited meanwhile
        }
    }

    /// <summary>The role changes Patroni logged so far.</summary>
    public IReadOnlyList<PatroniEvent> Events() =>
        Process.Lines
            .Where(l => RoleMarkers.Any(m => l.Text.Contains(m, StringComparison.Ordinal)))
            .Select(l => new PatroniEvent(l.AtMs, Name, Tail(l.Text)))
            .ToList();

    /// <summary>The message without Patroni's own timestamp and level (the bench stamps lines itself).</summary>
    private static string Tail(string line)
    {
        int at = line.IndexOf("INFO: ", StringComparison.Ordinal);
        return at >= 0 ? line[(at + "INFO: ".Length)..] : line;
    }

    /// <summary>The last lines Patroni printed, for error messages.</summary>
    public string LogTail(int lines = 8) => string.Join(" | ", Process.Lines.TakeLast(lines).Select(l => l.Text));

    /// <summary>Kills Patroni and every PostgreSQL process of the node (continued first: a frozen one must die too).</summary>
    public void Kill()
    {
        var pids = PostgresPids().Prepend(PatroniPid).ToList();
        foreach (int pid in pids)
        {
            PosixSignals.Send(pid, PosixSignals.SigKill);
            PosixSignals.Send(pid, PosixSignals.SigCont);
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (BenchSetupException)
        {
            // The namespace is gone already: so is everything that ran in it.
        }

        Process.Dispose();
        http.Dispose();
    }
}
