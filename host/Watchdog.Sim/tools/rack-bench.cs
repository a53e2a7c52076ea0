#:project ../Watchdog.Sim.csproj
// Measures the virtual rack's own latencies, so bench numbers for the watchdog can be read
// against what the simulator adds. Prints numbers; asserts nothing.
//   dotnet run host/Watchdog.Sim/tools/rack-bench.cs -- [runs]
using System.Device.Gpio;
using System.Diagnostics;
using Watchdog.Sim.Broker;
using Watchdog.Sim.Rack;
using Watchdog.VirtualWires;

int runs = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 50;
Console.WriteLine($"rack-bench: {runs} runs each, {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");

string dir = Directory.CreateTempSubdirectory("rack-bench-").FullName;
try
{
    // 1. Wire write seen by another mapping (shared memory, no syscall).
    using (WireFile a = WireFile.Create(Path.Combine(dir, "w1"), 8))
    using (WireFile b = WireFile.Open(a.Path))
    {
        const int n = 1_000_000;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            a.Toggle(0, WireWriter.Test);
        }

        Console.WriteLine($"wire toggle: {sw.Elapsed.TotalNanoseconds / n:0} ns per edge; other mapping sees {b.ReadEdgeCount(0)} edges");
    }

    // 2. Edge to value-changed callback through GpioController (1 ms poller).
    using (WireFile w = WireFile.Create(Path.Combine(dir, "w2"), 8))
    using (var gpio = new GpioController(new VirtualWireDriver(w, WireWriter.Board)))
    {
        gpio.OpenPin(1, PinMode.Input);
        long seenAt = 0;
        using var seen = new AutoResetEvent(false);
        gpio.RegisterCallbackForPinValueChangedEvent(1, PinEventTypes.Rising | PinEventTypes.Falling, (_, _) =>
        {
            seenAt = Stopwatch.GetTimestamp();
            seen.Set();
        });
        var latencies = new List<double>();
        for (int i = 0; i < runs * 4; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            w.Toggle(1, WireWriter.Agent);
            seen.WaitOne(1000);
            latencies.Add(Stopwatch.GetElapsedTime(t0, seenAt).TotalMilliseconds);
            Thread.Sleep(Random.Shared.Next(1, 4));
        }

        Print("edge -> GpioController callback", latencies);
    }

    // 3. Broker start, round trip readiness.
    var starts = new List<double>();
    for (int i = 0; i < Math.Min(runs, 20); i++)
    {
        var sw = Stopwatch.StartNew();
        using MosquittoProcess broker = MosquittoProcess.Start();
        starts.Add(sw.Elapsed.TotalMilliseconds);
    }

    Print("mosquitto start until it accepts connections", starts);

    // 4. The rack: relays and faults to the wires and processes.
    using VirtualRack rack = VirtualRack.Create(new RackOptions { Directory = Path.Combine(dir, "rack") });
    var create = Stopwatch.StartNew();
    SimulatedServer server = rack.AddServer("node-a", "s1", new ServerOptions { BootDelay = TimeSpan.Zero, ForcedOffHold = TimeSpan.FromMilliseconds(50) });
    Console.WriteLine($"add server ({rack.IsolationMode}): {create.Elapsed.TotalMilliseconds:0.0} ms");
    server.AddService(new ServiceSpec("app", "sleep", "100000"));
    using var board = new GpioController(new VirtualWireDriver(rack.WireFilePath, WireWriter.Board));
    board.OpenPin(server.Wiring.ResetPin, PinMode.Output, PinValue.Low);

    var freeze = new List<double>();
    var reboot = new List<double>();
    for (int i = 0; i < runs; i++)
    {
        server.WaitUntil(s => s.IsUp && s.Process("app") is not null, TimeSpan.FromSeconds(5));
        int pid = server.Process("app")!.Pid;
        long t0 = Stopwatch.GetTimestamp();
        rack.Timeline.Record(t0, TimelineKind.Note, "bench", "reset write");
        board.Write(server.Wiring.ResetPin, PinValue.High);
        SpinUntil(() => State(pid) == 'T');
        freeze.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        long t1 = Stopwatch.GetTimestamp();
        board.Write(server.Wiring.ResetPin, PinValue.Low);
        SpinUntil(() => server.Process("app") is { } p && p.Pid != pid);
        reboot.Add(Stopwatch.GetElapsedTime(t1).TotalMilliseconds);
    }

    Print("reset relay asserted -> service stopped (T)", freeze);
    // The simulator's own share: the board's write to the relay loop having sent SIGSTOP.
    var events = rack.Timeline.Snapshot();
    var reaction = new List<double>();
    for (int i = 0; i < events.Count; i++)
    {
        if (events[i].What == "reset held: frozen")
        {
            TimelineEvent? wire = events.Take(i).LastOrDefault(e => e.What == "reset write");
            if (wire is not null)
            {
                reaction.Add(events[i].AtMs - wire.AtMs);
            }
        }
    }

    Print("reset wire change -> relay loop has sent SIGSTOP (timeline)", reaction);
    Print("reset released -> service running again (boot delay 0)", reboot);

    var linkDown = new List<double>();
    var linkUp = new List<double>();
    int linkPin = server.Wiring.LinkPins[0];
    bool Present(int pin) => rack.Wires.Read(pin) == rack.PinMap.InputLevel(true);
    for (int i = 0; i < runs; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        server.LinkDown(0);
        SpinUntil(() => !Present(linkPin));
        linkDown.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        t0 = Stopwatch.GetTimestamp();
        server.LinkUp(0);
        SpinUntil(() => Present(linkPin));
        linkUp.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    Print("LinkDown fault -> link wire absent", linkDown);
    Print("LinkUp -> link wire present", linkUp);

    var powerOff = new List<double>();
    int pg = server.Wiring.PowerGoodPins[0];
    board.OpenPin(server.Wiring.FencePin!.Value, PinMode.Output, PinValue.Low);
    for (int i = 0; i < runs; i++)
    {
        server.WaitUntil(s => s.IsUp, TimeSpan.FromSeconds(5));
        long t0 = Stopwatch.GetTimestamp();
        board.Write(server.Wiring.FencePin!.Value, PinValue.High);
        SpinUntil(() => !Present(pg));
        powerOff.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        board.Write(server.Wiring.FencePin!.Value, PinValue.Low);
        SpinUntil(() => !server.IsFenced); // mains back only once the relay has dropped out
        server.PowerRestore();
        SpinUntil(() => server.IsUp && Present(pg));
    }

    Print("power fence asserted -> power-good absent (services killed)", powerOff);
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static void SpinUntil(Func<bool> condition)
{
    var sw = Stopwatch.StartNew();
    while (!condition())
    {
        if (sw.Elapsed > TimeSpan.FromSeconds(10))
        {
            throw new TimeoutException("condition not met within 10 s");
        }

        Thread.SpinWait(50);
    }
}

static char? State(int pid)
{
    try
    {
        string s = File.ReadAllText($"/proc/{pid}/stat");
        return s[s.LastIndexOf(')') + 2];
    }
    catch (IOException)
    {
        return null;
    }
}

static void Print(string what, List<double> ms)
{
    ms.Sort();
    double P(double q) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
    Console.WriteLine($"{what}: p50 {P(0.5):0.00} ms, p95 {P(0.95):0.00} ms, p99 {P(0.99):0.00} ms, max {ms[^1]:0.00} ms (n={ms.Count})");
}
