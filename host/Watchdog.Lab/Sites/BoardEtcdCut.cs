using System.Globalization;
using System.Text.RegularExpressions;
using Watchdog.Platform.Posix;

namespace Watchdog.Lab.Sites;

/// <summary>
/// Cuts boards off from etcd members. Every board runs in the host's network namespace, so
/// addresses alone cannot tell one board's packets from another's; each DR site's board runs
/// with a group id of its own (<see cref="Rack.RackDrSite.BoardGroupId"/>), which its sockets
/// carry, and an nftables rule matches it (<c>meta skgid</c>) with the member's address. The
/// packets are dropped, not refused, as a failed WAN drops them. Each cut is a table of its own
/// (family inet); deleting it mends the cut. cgroup matching would do as well but needs cgroup v2,
/// which not every machine mounts; a group id works everywhere.
/// </summary>
public sealed partial class BoardEtcdCut : IDisposable
{
    private const string TablePrefix = "wdetcdcut_";
    private static int _count;
    private readonly Lock _gate = new();
    private bool _cut;

    public BoardEtcdCut()
    {
        RemoveStaleTables();
        Table = string.Create(CultureInfo.InvariantCulture, $"{TablePrefix}{Environment.ProcessId}_{Interlocked.Increment(ref _count)}");
    }

    /// <summary>The nftables table (family inet) holding the cut while it lasts.</summary>
    public string Table { get; }

    /// <summary>
    /// Drops, from now on, every packet a board with group id <c>Gid</c> sends to one of its
    /// <c>Addresses</c>; replaces the previous cut of this instance.
    /// </summary>
    public void Cut(IReadOnlyList<(int Gid, IReadOnlyList<string> Addresses)> rules)
    {
        lock (_gate)
        {
            MendLocked();
            string lines = string.Join('\n', rules.Where(r => r.Addresses.Count > 0).Select(r =>
                string.Create(CultureInfo.InvariantCulture, $"    meta skgid {r.Gid} ip daddr {{ {string.Join(", ", r.Addresses)} }} drop")));
            string text = $$"""
                table inet {{Table}} {
                  chain output {
                    type filter hook output priority 0; policy accept;
                {{lines}}
                  }
                }

                """;
            CommandResult result = HostCommand.Run("nft", ["-f", "-"], text);
            if (!result.Succeeded)
            {
                throw new LabFailedException($"nft could not cut the boards from etcd ({Table}): {result.StandardError.Trim()}");
            }

            _cut = true;
        }
    }

    /// <summary>Lets the boards reach every member again; nothing when not cut.</summary>
    public void Mend()
    {
        lock (_gate)
        {
            MendLocked();
        }
    }

    public void Dispose() => Mend();

    private void MendLocked()
    {
        if (!_cut)
        {
            return;
        }

        CommandResult result = HostCommand.Run("nft", ["delete", "table", "inet", Table]);
        if (!result.Succeeded)
        {
            throw new LabFailedException($"nft could not mend the boards' etcd cut (table inet {Table}): {result.StandardError.Trim()}");
        }

        _cut = false;
    }

    /// <summary>Deletes the cut of a process that died with it in place.</summary>
    private static void RemoveStaleTables()
    {
        CommandResult list = HostCommand.Run("nft", ["list", "tables"]);
        if (!list.Succeeded)
        {
            throw new LabFailedException($"nft list tables failed (boards are cut from etcd with nftables; install the nftables package): {list.StandardError.Trim()}");
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
