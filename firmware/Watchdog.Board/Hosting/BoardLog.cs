namespace Watchdog.Board.Hosting;

/// <summary>Log lines on stdout, one per event, prefixed with the wall clock (journald adds its own, tests read these).</summary>
public static class BoardLog
{
    private static readonly Lock Gate = new();

    public static void Write(string line)
    {
        lock (Gate)
        {
            Console.Out.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            Console.Out.Flush();
        }
    }
}
