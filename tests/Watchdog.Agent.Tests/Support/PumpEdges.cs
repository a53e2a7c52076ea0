namespace Watchdog.Agent.Tests.Support;

/// <summary>Waits on a running pump's own count of written edges (the event a pump test waits for), bounded at 30 s.</summary>
internal static class PumpEdges
{
    public static void WaitFor(HeartbeatPump pump, long edges)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (pump.Edges < edges)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the pump wrote {pump.Edges} edges, not {edges}, in 30 s");
            Thread.Sleep(5);
        }
    }
}
