using System.Diagnostics;

namespace Watchdog.Sim.Tests.Support;

/// <summary>
/// Entry point of this test assembly when a test starts it as a separate process, so that the
/// wire file is proven across real process boundaries (separate address spaces, separate maps).
/// </summary>
public static class ChildProcessMain
{
    public static int Main(string[] args)
    {
        if (args.Length == 4 && args[0] == "wire-toggle")
        {
            // wire-toggle PATH PIN EDGES: toggle as fast as possible, then report the count seen.
            using WireFile wires = WireFile.Open(args[1]);
            int pin = int.Parse(args[2]);
            int edges = int.Parse(args[3]);
            for (int i = 0; i < edges; i++)
            {
                wires.Toggle(pin, WireWriter.Test);
            }

            Console.WriteLine(wires.ReadEdgeCount(pin));
            return 0;
        }

        if (args.Length == 3 && args[0] == "wire-hold")
        {
            // wire-hold PATH PIN: drive the pin high and stay alive until killed (a relay held by a live board).
            using WireFile wires = WireFile.Open(args[1]);
            wires.Write(int.Parse(args[2]), true, WireWriter.Board);
            Console.WriteLine("holding");
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }

        if (args.Length == 4 && args[0] == "wire-heartbeat")
        {
            // wire-heartbeat PATH PIN HALF_PERIOD_MS: toggle forever, like an agent feeding its heartbeat.
            using WireFile wires = WireFile.Open(args[1]);
            int pin = int.Parse(args[2]);
            int halfPeriod = int.Parse(args[3]);
            while (true)
            {
                wires.Toggle(pin, WireWriter.Agent);
                Thread.Sleep(halfPeriod);
            }
        }

        if (args.Length == 2 && args[0] == "lock-hold")
        {
            // lock-hold PATH: take the lock and stay alive until killed (another rack picking its subnet).
            using FileStream held = Watchdog.Platform.Posix.PrivatePath.AcquireLock(args[1], TimeSpan.Zero);
            Console.WriteLine("holding");
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }

        Console.Error.WriteLine("usage: wire-toggle PATH PIN EDGES | wire-hold PATH PIN | wire-heartbeat PATH PIN HALF_PERIOD_MS | lock-hold PATH");
        return 2;
    }

    /// <summary>A service spec that runs this assembly in a helper mode (e.g. inside a server's namespace).</summary>
    public static Watchdog.Sim.Rack.ServiceSpec Service(string name, params string[] args) =>
        new(name, "dotnet", ["exec", typeof(ChildProcessMain).Assembly.Location, .. args]);

    /// <summary>Starts this assembly as a child process with the given arguments.</summary>
    public static Process Start(params string[] args)
    {
        string assembly = typeof(ChildProcessMain).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(assembly);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start the child process");
    }
}
