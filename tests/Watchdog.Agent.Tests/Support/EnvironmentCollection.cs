namespace Watchdog.Agent.Tests.Support;

/// <summary>
/// Tests that change process-wide environment variables (WATCHDOG_AGENT__*, NOTIFY_SOCKET,
/// WATCHDOG_USEC) run alone: agent processes started by other tests would inherit them.
/// </summary>
[CollectionDefinition("environment", DisableParallelization = true)]
public sealed class EnvironmentCollection
{
}

/// <summary>
/// Tests that measure timing of real threads and processes (heartbeat edges, the agent process)
/// run alone, after the parallel ones, so the test run itself does not starve them.
/// </summary>
[CollectionDefinition("timing", DisableParallelization = true)]
public sealed class TimingCollection
{
}
