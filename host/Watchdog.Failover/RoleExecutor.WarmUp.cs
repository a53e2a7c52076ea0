using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Watchdog.Failover.Kernel;
using Watchdog.Platform.Processes;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Failover;

public sealed partial class RoleExecutor
{
    /// <summary>How long the warm-up waits for its dry announcement (it is started on the thread pool).</summary>
    private static readonly TimeSpan DryAnnouncementWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs the code of a takeover once, without its effects, so that a JIT runtime compiles it
    /// now and not during the first takeover (on the bench machine a JIT agent's takeover took
    /// 190 ms longer at p50 than a NativeAOT agent's without this; docs/benchmarks.md).
    /// <list type="bullet">
    /// <item>A dry copy of this executor, with the same options, goes standby, active and standby
    /// again: every promote and demote step, the hooks' environment, the virtual IP requests and
    /// one gratuitous ARP. Its process runner starts nothing and its address requests reach no
    /// kernel, so no hook runs, no address is added or removed, no arping is sent. This
    /// executor's role, epoch and announcements are not touched; nothing is logged as a change.</item>
    /// <item>Then one real process through this executor's runner: <c>setsid --version</c>. Every
    /// hook and arping starts through setsid already (ProcessRunner), and --version only prints
    /// its version. Starting the first process is the costliest step for a JIT runtime.</item>
    /// </list>
    /// Safe to run beside real grants: the dry copy shares no state with this executor.
    /// </summary>
    /// <returns>What ran and how long it took, for the log.</returns>
    public async Task<string> WarmUpAsync(CancellationToken ct)
    {
        long started = _time.GetTimestamp();
        using (var dry = new RoleExecutor(_options, DryRunner.Instance, _time, NullLogger.Instance, AddressRequests.Nowhere))
        {
            var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            dry.BackgroundStepCompleted += _ => announced.TrySetResult();
            await dry.ApplyAsync(DryGrant(NodeRole.Standby, 1), ct).ConfigureAwait(false);
            RoleChangeResult promoted = await dry.ApplyAsync(DryGrant(NodeRole.Active, 2), ct).ConfigureAwait(false);
            if (promoted.Ok && _options.Vip.Enabled && _options.Vip.ArpCount > 0)
            {
                // The first announcement runs on the thread pool: let it finish before the demote stops the series.
                await announced.Task.WaitAsync(DryAnnouncementWait, _time, ct).ConfigureAwait(false);
            }

            await dry.ApplyAsync(DryGrant(NodeRole.Standby, 3), ct).ConfigureAwait(false);
        }

        TimeSpan dryTook = _time.GetElapsedTime(started);
        var version = new ProcessRequest("setsid", ["--version"], new Dictionary<string, string>(), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500), 1024);
        ProcessOutcome outcome = await _runner.RunAsync(version, ct).ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture, $"promote and demote steps run dry in {dryTook.TotalMilliseconds:0} ms; {version.CommandLine}: {outcome.Describe(version.Timeout)} in {outcome.Took.TotalMilliseconds:0} ms");
    }

    private static Grant DryGrant(NodeRole role, long epoch) =>
        new() { Group = "warm-up", Node = "warm-up", Role = role, Epoch = epoch, Reason = "warm-up: nothing is changed" };

    /// <summary>Starts nothing; every request "succeeds" at once.</summary>
    private sealed class DryRunner : IProcessRunner
    {
        public static readonly DryRunner Instance = new();

        public Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken ct) =>
            Task.FromResult(new ProcessOutcome { ExitCode = 0 });
    }
}
