using System.Diagnostics;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Watchdog.Board.Pair;

namespace Watchdog.Board.Tests.Pair;

/// <summary>
/// The Linux board's UART link on a pseudo-terminal: the board opens the terminal side as it opens
/// /dev/ttyAMA0 (set raw with stty first, as the docs tell operators), the test plays the peer
/// board on the other side.
/// </summary>
public sealed class SerialPairLinkTests
{
    [Fact]
    public void Frames_cross_a_serial_line_both_ways_and_noise_is_dropped()
    {
        using var pty = new PseudoTerminal();
        using var peer = new FileStream(new SafeFileHandle(pty.MasterFd, ownsHandle: false), FileAccess.ReadWrite, 1);
        Stty(pty.SlavePath, "raw", "-echo");
        using var link = new SerialPairLink(pty.SlavePath);

        // The peer's frames, cut where the line happens to cut them, with a burst of noise between.
        peer.Write(Encoding.UTF8.GetBytes("{\"from\":\"b\",\"seq\":1}\n" + new string('~', 3000) + "\n{\"from\":\"b\","));
        peer.Write(Encoding.UTF8.GetBytes("\"seq\":2}\n"));
        peer.Flush();
        var received = new List<string>();
        var clock = Stopwatch.StartNew();
        while (received.Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (link.Receive() is { } frame) { received.Add(Encoding.UTF8.GetString(frame)); }
            else { Thread.Sleep(5); }
        }

        Assert.Equal(["{\"from\":\"b\",\"seq\":1}", "{\"from\":\"b\",\"seq\":2}"], received);

        link.Send(Encoding.UTF8.GetBytes("{\"from\":\"a\",\"seq\":7}"));
        var line = new List<byte>();
        Task reading = Task.Run(() =>
        {
            var one = new byte[1];
            while (peer.Read(one, 0, 1) == 1 && one[0] != (byte)'\n') { line.Add(one[0]); }
        });
        Assert.True(reading.Wait(TimeSpan.FromSeconds(10)), "no line ending came back within 10 s: " + Encoding.UTF8.GetString([.. line]));
        Assert.Equal("{\"from\":\"a\",\"seq\":7}", Encoding.UTF8.GetString([.. line]));
    }

    private static void Stty(string device, params string[] settings)
    {
        var start = new ProcessStartInfo("stty") { RedirectStandardError = true };
        start.ArgumentList.Add("-F");
        start.ArgumentList.Add(device);
        foreach (string s in settings) { start.ArgumentList.Add(s); }
        using Process p = Process.Start(start)!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "stty: " + p.StandardError.ReadToEnd());
    }
}
