namespace Watchdog.Sim.Rack;

/// <summary>
/// One machine's place on the rack network: its namespace, its address and its links. Link 0
/// (eth0) carries the address and all traffic; further links are bond-member stand-ins on the
/// same bridge without an address, so losing one costs redundancy, not connectivity.
/// </summary>
/// <param name="Name">The machine's name in the rack.</param>
/// <param name="Namespace">Its network namespace, or null in loopback mode.</param>
/// <param name="Address">Its IPv4 address (10.213.N.h with namespaces, 127.213.N.h on loopback).</param>
/// <param name="PrefixLength">The subnet's prefix length (24).</param>
/// <param name="Interfaces">Its interfaces inside its namespace, eth0 first.</param>
/// <param name="SwitchPorts">The bridge ports (in the rack namespace) its interfaces plug into, same order.</param>
public sealed record NodeNetwork(string Name, string? Namespace, string Address, int PrefixLength, IReadOnlyList<string> Interfaces, IReadOnlyList<string> SwitchPorts)
{
    /// <summary>Address with prefix length, as ip address add wants it.</summary>
    public string AddressWithPrefix => $"{Address}/{PrefixLength}";
}
