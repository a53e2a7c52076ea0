using System.Globalization;
using System.Text.RegularExpressions;
using Watchdog.Platform.Posix;

namespace Watchdog.Lab.Sites;

/// <summary>
/// The link between two sites' brokers, both in the host's network namespace on their racks'
/// host addresses. A cut drops every packet between the two addresses, both ways, as a failed WAN
/// drops them (no reset: each side learns of it from its keepalive), with an nftables table of its
/// own: it touches no other rule, and deleting it mends the link. Each bridge binds its own site's
/// address (bridge_bind_address), so the rules see it: without that the kernel would send from
/// the peer's address, which is local too. Nothing else talks between the two addresses: every
/// other client of a broker is on its own site's network.
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

    /// <summary>Drops every packet between the two addresses from now on; nothing when already cut.</summary>
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
                    ip saddr {{AddressA}} ip daddr {{AddressB}} drop
                    ip saddr {{AddressB}} ip daddr {{AddressA}} drop
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
