namespace Watchdog.Sim.Tests.Wires;

/// <summary>
/// A wire file of each test's own: the path of rack.wires in a fresh temporary directory, which is
/// removed after the test. The prefix names the directory, so one left behind says which tests made it.
/// </summary>
public abstract class WireFileTestBase(string directoryPrefix) : IDisposable
{
    private readonly TempDirectory dir = new(directoryPrefix);

    /// <summary>Where the test's wire file lives; the test (or the driver it opens) creates it.</summary>
    protected string WirePath => dir.File("rack.wires");

    public void Dispose()
    {
        dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
