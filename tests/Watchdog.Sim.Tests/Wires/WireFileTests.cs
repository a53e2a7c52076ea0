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
    public void A_cut_wire_shows_its_readers_no_edge_while_the_driver_toggles()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);
        wires.Write(4, true, WireWriter.Board);

        Assert.True(wires.SetCut(4, true));
        Assert.False(wires.SetCut(4, true)); // already cut: the first snapshot stays
        for (int i = 0; i < 101; i++)
        {
            wires.Toggle(4, WireWriter.Board);
        }

        // The readers keep the level and count of the cut (the input holds its last level).
        WireSample seen = wires.Sample(4);
        Assert.True(wires.IsCut(4));
        Assert.True(seen.Cut);
        Assert.True(seen.Value);
        Assert.True(wires.Read(4));
        Assert.Equal(1u, seen.EdgeCount);
        Assert.Equal(1u, wires.ReadEdgeCount(4));
        // The driver's side moved: 101 toggles from high end low, and the writer is recorded.
        Assert.False(wires.ReadDriven(4));
        Assert.Equal(WireWriter.Board, seen.DrivenBy);
        Assert.Equal(Environment.ProcessId, seen.WriterPid);
        Assert.False(wires.IsCut(5));
    }

    [Fact]
    public void Reconnecting_shows_the_driven_level_with_one_edge_at_most()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);
        wires.Write(2, true, WireWriter.Board); // count 1, high

        // Level differs at reconnection: exactly one edge, not the 51 made while cut.
        wires.SetCut(2, true);
        for (int i = 0; i < 51; i++)
        {
            wires.Toggle(2, WireWriter.Board);
        }

        Assert.True(wires.SetCut(2, false));
        Assert.False(wires.SetCut(2, false));
        WireSample joined = wires.Sample(2);
        Assert.False(joined.Cut);
        Assert.False(joined.Value);
        Assert.Equal(2u, joined.EdgeCount);
        Assert.InRange(Stopwatch.GetElapsedTime(joined.LastChangeTimestamp), TimeSpan.Zero, TimeSpan.FromSeconds(10));

        // Same level at reconnection: no edge at all, though the driver toggled 50 times.
        wires.SetCut(2, true);
        for (int i = 0; i < 50; i++)
        {
            wires.Toggle(2, WireWriter.Board);
        }

        wires.SetCut(2, false);
        Assert.False(wires.Read(2));
        Assert.Equal(2u, wires.ReadEdgeCount(2));

        // Connected again: every edge counts from there.
        wires.Toggle(2, WireWriter.Board);
        Assert.True(wires.Read(2));
        Assert.Equal(3u, wires.ReadEdgeCount(2));
        Assert.Equal(wires.Read(2), wires.ReadDriven(2));
    }

    [Fact]
    public void A_write_of_the_driven_level_while_cut_is_no_change()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);
        wires.SetCut(1, true);

        Assert.False(wires.Write(1, false, WireWriter.Board)); // already driven low
        Assert.True(wires.Write(1, true, WireWriter.Board));
        Assert.False(wires.Write(1, true, WireWriter.Board));
        Assert.False(wires.Read(1));
        Assert.Equal(0u, wires.ReadEdgeCount(1));
    }

    [Fact]
    public void The_cut_lives_in_the_file_for_every_mapping()
    {
        using WireFile rack = WireFile.Create(WirePath, 8);
        using WireFile board = WireFile.Open(WirePath);

        rack.SetCut(6, true);
        Assert.True(board.IsCut(6));
        board.Write(6, true, WireWriter.Board);
        Assert.False(rack.Read(6));
        Assert.Equal(0u, rack.ReadEdgeCount(6));
        Assert.True(rack.ReadDriven(6));

        board.SetCut(6, false); // reconnected from the other mapping
        Assert.False(rack.IsCut(6));
        Assert.True(rack.Read(6));
        Assert.Equal(1u, rack.ReadEdgeCount(6));
    }

    [Fact]
    public void Cutting_a_wire_another_process_toggles_never_runs_its_readers_backwards()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);
        const int edges = 400_001;

        using Process child = ChildProcessMain.Start("wire-toggle", WirePath, "3", edges.ToString());
        WireSample last = wires.Sample(3);
        int cuts = 0;
        while (!child.HasExited)
        {
            bool cut = !wires.IsCut(3);
            Assert.True(wires.SetCut(3, cut)); // nobody else cuts it
            cuts += cut ? 1 : 0;
            WireSample atCut = wires.Sample(3);
            for (int i = 0; i < 50; i++)
            {
                WireSample s = i == 0 ? atCut : wires.Sample(3);
                uint moved = unchecked(s.EdgeCount - last.EdgeCount);
                Assert.True(moved < 1u << 31, $"the count went back from {last.EdgeCount} to {s.EdgeCount}");
                Assert.Equal(s.EdgeCount % 2 == 1, s.Value);
                Assert.Equal(cut, s.Cut);
                if (cut)
                {
                    Assert.Equal(atCut.EdgeCount, s.EdgeCount);
                }

                last = s;
            }
        }

        child.WaitForExit();
        Assert.True(child.ExitCode == 0, child.StandardError.ReadToEnd());
        wires.SetCut(3, false);
        Assert.True(wires.Read(3)); // the driver's level: an odd number of toggles from low
        Assert.True(cuts > 1, $"only {cuts} cuts while the child ran");
        Assert.InRange(wires.ReadEdgeCount(3), 1u, (uint)edges);
    }

    [Fact]
    public void A_file_of_another_layout_version_is_refused_with_both_versions()
    {
        using (WireFile.Create(WirePath, 8))
        {
        }

        byte[] bytes = File.ReadAllBytes(WirePath);
        bytes[8] = 1; // layout version 1: before the cut
        File.WriteAllBytes(WirePath, bytes);

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => WireFile.Open(WirePath));

        Assert.Contains("version 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_outside_the_file_is_refused_with_its_range()
    {
        using WireFile wires = WireFile.Create(WirePath, 8);

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => wires.Read(8));

        Assert.Contains("0-7", error.Message, StringComparison.Ordinal);
    }
}
