namespace Watchdog.Failover.Kernel;

/// <summary>What the kernel answered to one request the agent made of it directly (an address change, a gratuitous ARP).</summary>
/// <param name="Errno">0 when the kernel took it, otherwise the errno it returned (EEXIST, EADDRNOTAVAIL, ENODEV, EPERM, ENETDOWN ...).</param>
/// <param name="Detail">"" on success, otherwise what went wrong in words, naming the call.</param>
internal readonly record struct KernelOutcome(int Errno, string Detail)
{
    public bool Ok => Errno == 0;
}
