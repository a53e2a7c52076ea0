namespace Watchdog.Agent.Tests.Support;

/// <summary>A probe whose answer the test sets, with the detail each answer carries.</summary>
public sealed class ScriptedProbe(string passDetail, string failDetail) : IProbe
{
    public bool Ok { get; set; }

    public Task<ProbeOutcome> ProbeAsync(CancellationToken ct) =>
        Task.FromResult(Ok ? ProbeOutcome.Pass(passDetail) : ProbeOutcome.Fail(failDetail));
}
