using System.Globalization;
using System.Text.RegularExpressions;
using Watchdog.Platform.Posix;

namespace Watchdog.Lab.Sites;

/// <summary>
/// The link between two sites' brokers, both in the host's network namespace, each listening for
/// the other site's bridge at an address of its own that nothing else uses. A cut drops every
/// packet from or to either address, as a failed WAN drops them (no reset: each side learns of it
/// from keepalives), with an nftables table of its own: it touches no other rule, and deleting it
/// mends the link. The rules match the addresses, not a direction: a connection between two local
/// addresses leaves from the address it goes to (the kernel's choice, which mosquitto 2.0.11's
/// bridge_bind_address does not change), so both its ends carry the listener's address.
/// </summary>
public sealed partial class SiteLink : IDisposable
{
    private const string TablePrefix = "wdsites_";
    private static int _count;
    private readonly Lock _gate = new();
    private bool _cut;

    /// <param name="subnets">
    /// Null, or the two sites' rack subnets when the host forwards between them (the databases
    /// replicate across): a cut also drops every forwarded packet from one to the other.
    /// </param>
    public SiteLink(string addressA, string addressB, (string A, string B)? subnets = null)
    {
        AddressA = addressA;
        AddressB = addressB;
        Subnets = subnets;
        RemoveStaleTables();
        Table = string.Create(CultureInfo.InvariantCulture, $"{TablePrefix}{Environment.ProcessId}_{Interlocked.Increment(ref _count)}");
    }

    public string AddressA { get; }

    public string AddressB { get; }

    /// <summary>The two racks' subnets the host forwards between, or null when it forwards nothing.</summary>
    public (string A, string B)? Subnets { get; }

    /// <summary>The nftables table (family inet) holding the cut while it lasts.</summary>
    public string Table { get; }

    public bool IsCut
    {
        get
        {
            lock (_gate)
            {
                return _cut;
            }
        }
    }

    /// <summary>Drops every packet from or to the two addresses from now on; nothing when already cut.</summary>
    public void Cut()
    {
        lock (_gate)
        {
            if (_cut)
            {
                return;
            }

            // Forwarded packets never pass the output hook: the racks' own traffic across the
            // link (database replication) is dropped in the forward hook, both ways.
            string forward = Subnets is var (a, b)
                ? $$"""
                  chain forward {
                    type filter hook forward priority 0; policy accept;
                    ip saddr {{a}} ip daddr {{b}} drop
                    ip saddr {{b}} ip daddr {{a}} drop
                  }
                """
                : "";
            string rules = $$"""
                table inet {{Table}} {
                  chain output {
                    type filter hook output priority 0; policy accept;
                    ip saddr { {{AddressA}}, {{AddressB}} } drop
                    ip daddr { {{AddressA}}, {{AddressB}} } drop
                  }
                {{forward}}
                }

                """;
            CommandResult result = HostCommand.Run("nft", ["-f", "-"], rules);
            if (!result.Succeeded)
            {
                throw new LabFailedException($"nft could not cut the link {AddressA} <-> {AddressB}: {result.StandardError.Trim()}");
            }

            _cut = true;
        }
    }

    /// <summary>Lets the traffic through again; nothing when not cut.</summary>
    public void Mend()
    {
        lock (_gate)
        {
            if (!_cut)
            {
                return;
            }

            CommandResult result = HostCommand.Run("nft", ["delete", "table", "inet", Table]);
            if (!result.Succeeded)
            {
                throw new LabFailedException($"nft could not mend the link {AddressA} <-> {AddressB} (table inet {Table}): {result.StandardError.Trim()}");
            }

            _cut = false;
        }
    }

    public void Dispose() => Mend();

    /// <summary>Deletes the cut of a process that died with its link cut: it would drop traffic between racks made later on the same subnets.</summary>
    private static void RemoveStaleTables()
    {
        CommandResult list = HostCommand.Run("nft", ["list", "tables"]);
        if (!list.Succeeded)
        {
            throw new LabFailedException($"nft list tables failed (the site link is cut with nftables; install the nftables package): {list.StandardError.Trim()}");
        }

        foreach (Match m in StaleTable().Matches(list.StandardOutput))
        {
            if (!Directory.Exists("/proc/" + m.Groups[2].Value))
            {
                HostCommand.Run("nft", ["delete", "table", "inet", m.Groups[1].Value]);
            }
        }
    }

    [GeneratedRegex(@"^table inet (" + TablePrefix + @"(\d+)_\d+)$", RegexOptions.Multiline)]
    private static partial Regex StaleTable();
}
