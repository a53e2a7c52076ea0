namespace Watchdog.Bench.Tests.Support;

/// <summary>
/// Tests that change process-wide environment variables (TMPDIR) run alone: every other test
/// making a temp directory would follow them there.
/// </summary>
[CollectionDefinition("environment", DisableParallelization = true)]
public sealed class EnvironmentCollection
{
}
