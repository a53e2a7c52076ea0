using System.Text;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Tests.Glue;

/// <summary>The pair link's framing on a UART: one frame per line, whatever the reads cut it into.</summary>
public sealed class LineFramerTests
{
    [Fact]
    public void Lines_split_across_reads_and_several_in_one_read_all_come_out_whole()
    {
        var framer = new LineFramer(64);
        var lines = new List<string>();
        foreach (string chunk in new[] { "{\"a\":", "1}\n{\"b\":2}\n{\"c\"", ":3}\n" })
        {
            Take(framer, chunk, lines);
        }

        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"], lines);
    }

    [Fact]
    public void An_overlong_line_is_dropped_to_its_end_and_the_next_line_comes_through()
    {
        var framer = new LineFramer(16);
        var lines = new List<string>();
        Take(framer, new string('x', 40) + "\n{\"ok\":1}\n\n", lines);

        Assert.Equal(["{\"ok\":1}"], lines);
        Assert.Equal(1, framer.Overlong);
    }

    private static void Take(LineFramer framer, string chunk, List<string> lines)
    {
        byte[] data = Encoding.UTF8.GetBytes(chunk);
        for (int offset = 0; offset < data.Length;)
        {
            byte[]? line = framer.Push(data, offset, data.Length - offset, out int used);
            offset += used;
            if (line is not null) { lines.Add(Encoding.UTF8.GetString(line)); }
        }
    }
}
