using System.Diagnostics;

namespace Watchdog.Sim.Tests.Wires;

public sealed class WireFileTests() : WireFileTestBase("watchdog-wires-")
{
    [Fact]
    public void A_new_file_has_all_pins_low_with_no_edges()
    {
        using WireFile wires = WireFile.Create(WirePath, 16);

        Assert.Equal(16, wires.PinCount);
        for (int pin = 0; pin < 16; pin++)
        {
            Assert.False(wires.Read(pin));
            Assert.Equal(0u, wires.ReadEdgeCount(pin));
        }
    }

    [Fact]
    public void Writes_count_changes_only_and_record_the_writer()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);

        Assert.True(wires.Write(3, true, WireWriter.Agent));
        Assert.False(wires.Write(3, true, WireWriter.Agent)); // same level: no edge
        Assert.True(wires.Write(3, false, WireWriter.Agent));

        WireSample sample = wires.Sample(3);
        Assert.False(sample.Value);
        Assert.Equal(2u, sample.EdgeCount);
        Assert.Equal(WireWriter.Agent, sample.DrivenBy);
        Assert.Equal(Environment.ProcessId, sample.WriterPid);
        Assert.InRange(Stopwatch.GetElapsedTime(sample.LastChangeTimestamp), TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(0u, wires.ReadEdgeCount(2));
    }

    [Fact]
    public void Two_mappings_of_one_file_see_each_other()
    {
        using WireFile a = WireFile.Create(WirePath, 8);
        using WireFile b = WireFile.Open(WirePath);

        a.Write(5, true, WireWriter.Board);

        Assert.True(b.Read(5));
        Assert.Equal(1u, b.ReadEdgeCount(5));
    }

    [Fact]
    public void A_child_process_toggling_fast_loses_no_edge()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);
        const int edges = 200_001;

        using Process child = ChildProcessMain.Start("wire-toggle", WirePath, "4", edges.ToString());
        // Sample while it runs: every reading must be consistent (odd count <=> high, since we start low).
        var samples = 0;
        while (!child.HasExited)
        {
            WireSample s = wires.Sample(4);
            Assert.Equal(s.EdgeCount % 2 == 1, s.Value);
            samples++;
        }

        child.WaitForExit();
        Assert.True(child.ExitCode == 0, child.StandardError.ReadToEnd());
        Assert.Equal(edges.ToString(), child.StandardOutput.ReadToEnd().Trim());
        Assert.Equal((uint)edges, wires.ReadEdgeCount(4));
        Assert.True(wires.Read(4));
        Assert.True(samples > 0);
    }

    [Fact]
    public void Concurrent_writers_in_two_processes_never_lose_a_counted_change()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);
        const int perWriter = 100_000;

        using Process child = ChildProcessMain.Start("wire-toggle", WirePath, "6", perWriter.ToString());
        for (int i = 0; i < perWriter; i++)
        {
            wires.Toggle(6, WireWriter.Test);
        }

        child.WaitForExit();
        Assert.Equal(0, child.ExitCode);
        // Toggles race (read then write), so some may collapse into "no change"; but the counter
        // must equal the number of level changes: parity of count and level always agree.
        WireSample end = wires.Sample(6);
        Assert.Equal(end.EdgeCount % 2 == 1, end.Value);
        Assert.InRange(end.EdgeCount, 1u, 2u * perWriter);
    }

    [Fact]
    public void A_held_output_is_released_when_its_writer_process_dies()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);
        using Process holder = ChildProcessMain.Start("wire-hold", WirePath, "2");
        Assert.Equal("holding", holder.StandardOutput.ReadLine());

        Assert.True(wires.Read(2));
        Assert.Equal(holder.Id, wires.Sample(2).WriterPid);
        Assert.True(wires.IsWriterAlive(2));

        holder.Kill();
        holder.WaitForExit();

        Assert.True(wires.Read(2)); // the level stays in the file ...
        Assert.False(wires.IsWriterAlive(2)); // ... but nobody holds it any more
    }

    [Fact]
    public void Open_or_create_reuses_an_existing_file()
    {
        using (WireFile first = WireFile.OpenOrCreate(WirePath, 8))
        {
            first.Write(1, true, WireWriter.Test);
        }

        using WireFile again = WireFile.OpenOrCreate(WirePath, 99);
        Assert.Equal(8, again.PinCount);
        Assert.True(again.Read(1));
    }

    [Fact]
    public void A_file_that_is_not_a_wire_file_is_refused_by_name()
    {
        File.WriteAllBytes(WirePath, new byte[128]);

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => WireFile.Open(WirePath));

        Assert.Contains(WirePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("WDWIRES1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_outside_the_file_is_refused_with_its_range()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => wires.Read(8));

        Assert.Contains("0-7", error.Message, StringComparison.Ordinal);
    }
}
