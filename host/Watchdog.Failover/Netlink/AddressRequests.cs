using System.Net;

namespace Watchdog.Failover.Netlink;

/// <summary>
/// Where the virtual IP's add and remove requests go: the kernel (<see cref="Kernel"/>), or, for
/// the start-up warm-up (RoleExecutor.WarmUpAsync), nowhere (<see cref="Nowhere"/>).
/// </summary>
internal interface IAddressRequests
{
    NetlinkOutcome Add(string netns, string interfaceName, IPAddress address, int prefixLength);

    NetlinkOutcome Remove(string netns, string interfaceName, IPAddress address, int prefixLength);
}

internal static class AddressRequests
{
    /// <summary>One rtnetlink request each (AddressNetlink).</summary>
    public static readonly IAddressRequests Kernel = new KernelRequests();

    /// <summary>Sends nothing and answers "done": no socket is opened, no namespace entered.</summary>
    public static readonly IAddressRequests Nowhere = new NoRequests();

    private sealed class KernelRequests : IAddressRequests
    {
        public NetlinkOutcome Add(string netns, string interfaceName, IPAddress address, int prefixLength) =>
            AddressNetlink.Add(netns, interfaceName, address, prefixLength);

        public NetlinkOutcome Remove(string netns, string interfaceName, IPAddress address, int prefixLength) =>
            AddressNetlink.Remove(netns, interfaceName, address, prefixLength);
    }

    private sealed class NoRequests : IAddressRequests
    {
        public NetlinkOutcome Add(string netns, string interfaceName, IPAddress address, int prefixLength) => new(0, "");

        public NetlinkOutcome Remove(string netns, string interfaceName, IPAddress address, int prefixLength) => new(0, "");
    }
}
