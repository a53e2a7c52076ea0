namespace Watchdog.Bench.Probe;

/// <summary>Why a probe got no node name back.</summary>
public enum ProbeFailure
{
    /// <summary>The probe got an answer: <see cref="ProbeSample.Node"/> says who.</summary>
    None,

    /// <summary>Connection refused (RST): the address is held but nothing listens.</summary>
    Refused,

    /// <summary>No connection or no answer within the probe timeout (frozen, unreachable, ARP not resolved).</summary>
    Timeout,

    /// <summary>No route or host unreachable (ICMP, or ARP gave up).</summary>
    Unreachable,

    /// <summary>The connection was reset or closed before a full line arrived.</summary>
    Reset,

    /// <summary>Any other socket error.</summary>
    Other,
}

/// <summary>
/// One probe of the virtual IP: started at <see cref="StartMs"/>, finished at <see cref="EndMs"/>
/// (both on the run's monotonic clock), answered by <see cref="Node"/> or failed with
/// <see cref="Failure"/>.
/// </summary>
public sealed record ProbeSample(double StartMs, double EndMs, string? Node, ProbeFailure Failure)
{
    public bool Answered => Failure == ProbeFailure.None && Node is not null;

    public static ProbeSample Answer(double startMs, double endMs, string node) => new(startMs, endMs, node, ProbeFailure.None);

    public static ProbeSample Failed(double startMs, double endMs, ProbeFailure failure) =>
        failure == ProbeFailure.None
            ? throw new ArgumentException("a failed probe needs a failure reason", nameof(failure))
            : new(startMs, endMs, null, failure);
}
