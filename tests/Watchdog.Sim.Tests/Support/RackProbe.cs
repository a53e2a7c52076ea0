using System.Device.Gpio;
using System.Net;
using System.Net.Sockets;

namespace Watchdog.Sim.Tests.Support;

/// <summary>Plays the board in rack tests: drives relay outputs and reads inputs through the real GpioController API.</summary>
public sealed class RackProbe : IDisposable
{
    private readonly VirtualRack rack;
    private readonly GpioController gpio;

    public RackProbe(VirtualRack rack)
    {
        this.rack = rack;
        gpio = new GpioController(new VirtualWireDriver(rack.WireFilePath, WireWriter.Board));
    }

    public void Drive(int pin, bool asserted)
    {
        if (!gpio.IsPinOpen(pin))
        {
            gpio.OpenPin(pin, PinMode.Output);
        }

        gpio.Write(pin, asserted == rack.PinMap.OutputsActiveHigh ? PinValue.High : PinValue.Low);
    }

    /// <summary>True when the input signal (power-good, link) is present, reading through the pin map's polarity.</summary>
    public bool InputPresent(int pin) => rack.Wires.Read(pin) == rack.PinMap.InputLevel(present: true);

    /// <summary>Polls <paramref name="condition"/> every 2 ms until the bound: wires, /proc and sockets raise no event to wait on.</summary>
    public static bool WaitFor(Func<bool> condition, TimeSpan timeout) => Poll.Until(condition, timeout, TimeSpan.FromMilliseconds(2));

    /// <summary>The process state letter from /proc/PID/stat: R, S, T (stopped), Z; null when gone.</summary>
    public static char? ProcessState(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A process's /proc status lines and its service log, for assertion messages.</summary>
    public static string Describe(ServerProcess process)
    {
        string status;
        try
        {
            status = string.Join("; ", File.ReadAllLines($"/proc/{process.Pid}/status").Where(l => l.StartsWith("State", StringComparison.Ordinal) || l.StartsWith("Name", StringComparison.Ordinal) || l.StartsWith("SigPnd", StringComparison.Ordinal) || l.StartsWith("ShdPnd", StringComparison.Ordinal) || l.StartsWith("SigBlk", StringComparison.Ordinal)));
        }
        catch (IOException)
        {
            status = "gone";
        }

        string log = File.Exists(process.LogPath) ? File.ReadAllText(process.LogPath) : "(no log)";
        return $"pid {process.Pid}: {status}; exited={process.HasExited}; log: {log}";
    }

    /// <summary>Whether the server can open a TCP connection to the test's listener on the host side (bash /dev/tcp, 1 s timeout).</summary>
    public static bool CanReachHost(SimulatedServer server, string hostAddress)
    {
        using var listener = new TcpListener(IPAddress.Parse(hostAddress), 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var result = server.Exec("timeout", "1", "bash", "-c", $"exec 3<>/dev/tcp/{hostAddress}/{port}");
        return result.Succeeded;
    }

    public void Dispose() => gpio.Dispose();
}
