namespace Watchdog.Cli.Tests.Broker;

/// <summary>
/// Tests that write broker files: xunit makes a new instance for each test, so each test gets a
/// scratch directory of its own, deleted after it.
/// </summary>
public abstract class ScratchDirectoryTests : IDisposable
{
    protected string Dir { get; } = BrokerTestSupport.NewDirectory();

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
