using System.Net;

namespace Watchdog.Failover.Kernel;

/// <summary>
/// Where the virtual IP's add, remove and announce requests go: the kernel (<see cref="Kernel"/>), or, for
/// the start-up warm-up (RoleExecutor.WarmUpAsync), nowhere (<see cref="Nowhere"/>).
/// </summary>
internal interface IAddressRequests
{
    KernelOutcome Add(string netns, string interfaceName, IPAddress address, int prefixLength);

    KernelOutcome Remove(string netns, string interfaceName, IPAddress address, int prefixLength);

    /// <summary>One gratuitous ARP for the address: an ARP request (arping -U) or, with <paramref name="reply"/>, an ARP reply (arping -A).</summary>
    KernelOutcome Announce(string netns, string interfaceName, IPAddress address, bool reply);
}

internal static class AddressRequests
{
    /// <summary>One rtnetlink request each (AddressNetlink); announcements through a packet socket (GratuitousArp).</summary>
    public static readonly IAddressRequests Kernel = new KernelRequests();

    /// <summary>Sends nothing and answers "done": no socket is opened, no namespace entered, no packet sent.</summary>
    public static readonly IAddressRequests Nowhere = new NoRequests();

    private sealed class KernelRequests : IAddressRequests
    {
        public KernelOutcome Add(string netns, string interfaceName, IPAddress address, int prefixLength) =>
            AddressNetlink.Add(netns, interfaceName, address, prefixLength);

        public KernelOutcome Remove(string netns, string interfaceName, IPAddress address, int prefixLength) =>
            AddressNetlink.Remove(netns, interfaceName, address, prefixLength);

        public KernelOutcome Announce(string netns, string interfaceName, IPAddress address, bool reply) =>
            GratuitousArp.Send(netns, interfaceName, address, reply);
    }

    private sealed class NoRequests : IAddressRequests
    {
        public KernelOutcome Add(string netns, string interfaceName, IPAddress address, int prefixLength) => new(0, "");

        public KernelOutcome Remove(string netns, string interfaceName, IPAddress address, int prefixLength) => new(0, "");

        public KernelOutcome Announce(string netns, string interfaceName, IPAddress address, bool reply) => new(0, "");
    }
}
