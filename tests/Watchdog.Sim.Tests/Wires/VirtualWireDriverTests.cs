using System.Collections.Concurrent;
using System.Device.Gpio;

namespace Watchdog.Sim.Tests.Wires;

public sealed class VirtualWireDriverTests() : WireFileTestBase("watchdog-gpio-")
{
    [Fact]
    public void A_controller_writes_a_pin_that_another_controller_reads()
    {
        using var board = new GpioController(new VirtualWireDriver(WirePath, WireWriter.Board));
        using var agent = new GpioController(new VirtualWireDriver(WirePath, WireWriter.Agent));

        board.OpenPin(10, PinMode.Output);
        agent.OpenPin(10, PinMode.Input);

        board.Write(10, PinValue.High);
        Assert.Equal(PinValue.High, agent.Read(10));
        board.Write(10, PinValue.Low);
        Assert.Equal(PinValue.Low, agent.Read(10));
        Assert.Equal(WireFile.DefaultPinCount, agent.PinCount);
    }

    [Fact]
    public void Writing_an_input_pin_does_not_drive_the_wire()
    {
        // GpioController remembers a value written to an input for when it becomes an output,
        // as on real pins; the wire must not move until then.
        using var controller = new GpioController(new VirtualWireDriver(WirePath, WireWriter.Agent));
        using WireFile wires = WireFile.Open(WirePath);
        controller.OpenPin(3, PinMode.Input);

        controller.Write(3, PinValue.High);

        Assert.False(wires.Read(3));
        Assert.Equal(0u, wires.ReadEdgeCount(3));
    }

    [Fact]
    public void Output_with_an_initial_value_drives_the_wire()
    {
        using var controller = new GpioController(new VirtualWireDriver(WirePath, WireWriter.Board));
        using WireFile wires = WireFile.Open(WirePath);

        controller.OpenPin(7, PinMode.Output, PinValue.High);

        Assert.True(wires.Read(7));
        Assert.Equal(WireWriter.Board, wires.Sample(7).DrivenBy);
    }

    [Fact]
    public void Callbacks_fire_once_per_edge_in_order_even_for_fast_toggles()
    {
        using var reader = new VirtualWireDriver(WirePath, WireWriter.Board);
        using var controller = new GpioController(reader);
        using WireFile wires = WireFile.Open(WirePath);
        controller.OpenPin(12, PinMode.Input);
        var seen = new ConcurrentQueue<PinEventTypes>();
        controller.RegisterCallbackForPinValueChangedEvent(12, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) => seen.Enqueue(e.ChangeType));

        const int edges = 1000; // far faster than the 1 ms poller: the counter must carry them
        for (int i = 0; i < edges; i++)
        {
            wires.Toggle(12, WireWriter.Agent);
        }

        SpinWait.SpinUntil(() => seen.Count >= edges, TimeSpan.FromSeconds(5));
        WaitForPollerPass(controller, wires, 13); // and no extra edge arrives afterwards
        PinEventTypes[] got = [.. seen];
        Assert.Equal(edges, got.Length);
        for (int i = 0; i < edges; i++)
        {
            Assert.Equal(i % 2 == 0 ? PinEventTypes.Rising : PinEventTypes.Falling, got[i]);
        }

        Assert.Equal(edges, reader.ReadEdgeCount(12));
    }

    [Fact]
    public void A_rising_only_callback_skips_falling_edges_and_can_be_removed()
    {
        using var controller = new GpioController(new VirtualWireDriver(WirePath));
        using WireFile wires = WireFile.Open(WirePath);
        controller.OpenPin(1, PinMode.Input);
        int rising = 0;
        void OnRising(object sender, PinValueChangedEventArgs e) => Interlocked.Increment(ref rising);
        controller.RegisterCallbackForPinValueChangedEvent(1, PinEventTypes.Rising, OnRising);

        for (int i = 0; i < 10; i++)
        {
            wires.Toggle(1, WireWriter.Test);
        }

        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref rising) == 5, TimeSpan.FromSeconds(5)), $"saw {rising} rising edges, expected 5");

        controller.UnregisterCallbackForPinValueChangedEvent(1, OnRising);
        wires.Toggle(1, WireWriter.Test);
        WaitForPollerPass(controller, wires, 2);
        Assert.Equal(5, Volatile.Read(ref rising));
    }

    [Fact]
    public void Wait_for_event_returns_the_edge_or_times_out()
    {
        using var controller = new GpioController(new VirtualWireDriver(WirePath));
        using WireFile wires = WireFile.Open(WirePath);
        controller.OpenPin(9, PinMode.Input);

        WaitForEventResult idle = controller.WaitForEvent(9, PinEventTypes.Rising, TimeSpan.FromMilliseconds(30));
        Assert.True(idle.TimedOut);

        using var writer = Task.Run(() =>
        {
            Thread.Sleep(20); // the stimulus: the edge comes while WaitForEvent is waiting
            wires.Write(9, true, WireWriter.Test);
        });
        WaitForEventResult hit = controller.WaitForEvent(9, PinEventTypes.Rising, TimeSpan.FromSeconds(5));
        Assert.False(hit.TimedOut);
        Assert.Equal(PinEventTypes.Rising, hit.EventTypes);
    }

    [Fact]
    public void Edge_count_from_another_process_reaches_the_driver()
    {
        using var driver = new VirtualWireDriver(WirePath);
        using var controller = new GpioController(driver);
        controller.OpenPin(20, PinMode.Input);
        int before = driver.ReadEdgeCount(20);

        using var child = ChildProcessMain.Start("wire-toggle", WirePath, "20", "5000");
        child.WaitForExit();

        Assert.Equal(0, child.ExitCode);
        Assert.Equal(5000, unchecked(driver.ReadEdgeCount(20) - before));
    }

    [Fact]
    public void A_cut_wire_raises_no_callback_and_reconnecting_raises_one_edge()
    {
        using var reader = new VirtualWireDriver(WirePath, WireWriter.Board);
        using var board = new GpioController(reader);
        using var peer = new GpioController(new VirtualWireDriver(WirePath, WireWriter.Board));
        using WireFile rack = WireFile.Open(WirePath);
        board.OpenPin(15, PinMode.Input);
        peer.OpenPin(15, PinMode.Output, PinValue.Low);
        var seen = new ConcurrentQueue<PinEventTypes>();
        board.RegisterCallbackForPinValueChangedEvent(15, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) => seen.Enqueue(e.ChangeType));

        rack.SetCut(15, true);
        for (int i = 0; i < 21; i++)
        {
            peer.Toggle(15); // from the output's latch: keeps toggling although nobody sees it
        }

        Assert.Equal(PinValue.High, peer.Read(15)); // the output reads back what it drives
        Assert.Equal(PinValue.Low, board.Read(15)); // the input holds the level of the cut
        Assert.Equal(0, reader.ReadEdgeCount(15));
        WaitForPollerPass(board, rack, 16);
        Assert.Empty(seen);

        rack.SetCut(15, false);
        WaitForPollerPass(board, rack, 16);
        Assert.Equal([PinEventTypes.Rising], seen.ToArray());
        Assert.Equal(PinValue.High, board.Read(15));
        Assert.Equal(1, reader.ReadEdgeCount(15));
    }

    [Fact]
    public void Opening_a_pin_beyond_the_file_is_refused()
    {
        using var controller = new GpioController(new VirtualWireDriver(WirePath, WireWriter.Test, pinCountIfCreated: 4));

        Assert.ThrowsAny<ArgumentException>(() => controller.OpenPin(4, PinMode.Input));
    }

    /// <summary>
    /// Returns once the driver's poller has made a whole pass after everything written before the
    /// call: a pass raises its callbacks as one batch after reading every pin, and the second of two
    /// edges on <paramref name="sentinelPin"/> (toggled only after the first was delivered) is
    /// raised in a later batch than anything already written. A wait on events, not on time.
    /// </summary>
    private static void WaitForPollerPass(GpioController controller, WireFile wires, int sentinelPin)
    {
        using var delivered = new SemaphoreSlim(0);
        void OnEdge(object sender, PinValueChangedEventArgs e) => delivered.Release();
        controller.OpenPin(sentinelPin, PinMode.Input);
        controller.RegisterCallbackForPinValueChangedEvent(sentinelPin, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
        for (int i = 0; i < 2; i++)
        {
            wires.Toggle(sentinelPin, WireWriter.Test);
            Assert.True(delivered.Wait(TimeSpan.FromSeconds(5)), "the poller delivered no edge of the sentinel pin");
        }

        controller.UnregisterCallbackForPinValueChangedEvent(sentinelPin, OnEdge);
    }
}
