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

    public SiteLink(string addressA, string addressB)
    {
        AddressA = addressA;
        AddressB = addressB;
        RemoveStaleTables();
        Table = string.Create(CultureInfo.InvariantCulture, $"{TablePrefix}{Environment.ProcessId}_{Interlocked.Increment(ref _count)}");
    }

    public string AddressA { get; }

    public string AddressB { get; }

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

            string rules = $$"""
                table inet {{Table}} {
                  chain output {
                    type filter hook output priority 0; policy accept;
                    ip saddr { {{AddressA}}, {{AddressB}} } drop
                    ip daddr { {{AddressA}}, {{AddressB}} } drop
                  }
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
