using System.Globalization;
using System.Text;
using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>
/// Runs a pair scenario (Scenarios/pair/*.txt) in the same testdata style as ScenarioRunner,
/// on a PairRack. Commands: see Scenarios/pair/README.md.
/// </summary>
internal sealed class PairScenarioRunner
{
    private PairRack? _rack;
    private int _tickMs;

    public List<string> Violations { get; } = [];

    public string Run(string text)
    {
        var sb = new StringBuilder();
        foreach (var block in ScenarioRunner.Parse(text))
        {
            foreach (var c in block.Comments) { sb.Append(c).Append('\n'); }
            if (block.Command.Length == 0) { continue; }
            sb.Append(block.Command).Append('\n');
            foreach (var l in block.Input) { sb.Append(l).Append('\n'); }
            sb.Append("----\n");
            var output = Execute(block.Command, string.Join("\n", block.Input));
            if (output.Count == 0) { output.Add("(nothing)"); }
            foreach (var l in output) { sb.Append(l).Append('\n'); }
            sb.Append('\n');
        }

        if (_rack is not null) { Violations.AddRange(_rack.Violations); }
        return sb.ToString().TrimEnd('\n') + "\n";
    }

    private PairRack Rack => _rack ?? throw new FormatException("no 'pair' block before this command");

    private List<string> Execute(string command, string input)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words[0] == "pair")
        {
            return Configure(words.Skip(1).ToArray(), input);
        }

        Rack.Log.Clear();
        int violationsBefore = Rack.Violations.Count;
        switch (words[0])
        {
            case "run":
                Rack.Run(Ticks(words[1]));
                break;
            case "crash":
            case "freeze":
                Rack.Crash(words[1]);
                Rack.Log.Add($"{Rack.Time} {words[1]} {words[0]}{(words[0] == "crash" ? "es" : "s")}: outputs stay as they were");
                break;
            case "thaw":
                Rack.Thaw(words[1]);
                Rack.Log.Add($"{Rack.Time} {words[1]} runs again");
                break;
            case "break-reset":
                Rack.ResetBroken[words[1] == "a" ? 0 : 1] = true;
                Rack.Log.Add($"{Rack.Time} {words[1]}'s reset wire to its peer broken");
                break;
            case "power-off":
                Rack.PowerOff(words[1]);
                Rack.Log.Add($"{Rack.Time} {words[1]} loses power: outputs released");
                break;
            case "power-on":
                Rack.PowerOn(words[1]);
                Rack.Log.Add($"{Rack.Time} {words[1]} power back");
                break;
            case "cut":
            case "mend":
                Cut(words[0] == "cut", words[1], words.Length > 2 ? words[2] : "both");
                break;
            case "restart-both":
                Rack.PowerOff("a");
                Rack.PowerOff("b");
                Rack.PowerOn("a");
                Rack.PowerOn("b");
                Rack.Log.Add($"{Rack.Time} both boards lose power and come back");
                break;
            case "grant":
                int n = int.Parse(words[1], CultureInfo.InvariantCulture);
                Rack.Log.Add(Rack.Grant(n) == 0 ? $"{Rack.Time} no authority to grant" : $"{Rack.Time} authority uses {n} epoch(s)");
                break;
            case "status":
                Status();
                break;
            default:
                throw new FormatException($"unknown pair scenario command '{words[0]}'");
        }

        var output = new List<string>(Rack.Log);
        output.AddRange(Rack.Violations.Skip(violationsBefore));
        return output;
    }

    private List<string> Configure(string[] args, string json)
    {
        _tickMs = 10;
        int bootMs = 300;
        foreach (var a in args)
        {
            var kv = a.Split('=', 2);
            if (kv[0] == "tick") { _tickMs = int.Parse(kv[1], CultureInfo.InvariantCulture); }
            else if (kv[0] == "boot") { bootMs = (int)(Ticks(kv[1]) * _tickMs); }
            else { throw new FormatException($"pair: unknown argument '{a}' (tick=, boot=)"); }
        }

        // The section is read by the real reader inside a minimal board configuration, so a
        // scenario's timings obey the validator's rules.
        string config = "{\"board\":\"a\",\"cluster\":\"lab\",\"timing\":{\"tick_ms\":" + _tickMs + "},\"channels\":[{\"name\":\"ch1\",\"node\":\"n1\"}],\"pair\":" + json + "}";
        if (!BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(config), out BoardConfig? c, out string error))
        {
            return [$"error: {error}"];
        }

        _rack = new PairRack(c!.Pair!, _tickMs, bootMs);
        return [$"ok: boards a (preferred) and b, tick {_tickMs} ms, boot {bootMs} ms"];
    }

    private void Cut(bool cut, string what, string direction)
    {
        bool[] wires = what switch
        {
            "heartbeat" => Rack.HeartbeatCut,
            "link" => Rack.LinkCut,
            _ => throw new FormatException($"cut/mend: '{what}' is not heartbeat or link"),
        };
        if (direction is "both" or "a->b") { wires[0] = cut; }
        if (direction is "both" or "b->a") { wires[1] = cut; }
        Rack.Log.Add($"{Rack.Time} {what} {direction} {(cut ? "cut" : "mended")}");
    }

    private void Status()
    {
        foreach (var b in Rack.Boards)
        {
            string state = b.Pair is { } p && b.Life == BoardLife.Running
                ? $"{WireWords.Of(p.State)} peer-in-sync={(p.PeerInSync ? "yes" : "no")} heartbeat={(p.PeerHeartbeat ? "yes" : "no")} link={(p.PeerLink ? "yes" : "no")} floor={p.EpochFloor}"
                : b.Life.ToString().ToLowerInvariant();
            Rack.Log.Add($"{b.Name}: {state} durable={b.Durable} core-epoch={b.CoreEpoch}");
        }
    }

    private long Ticks(string d)
    {
        if (d.EndsWith("ticks", StringComparison.Ordinal)) { return long.Parse(d[..^5], CultureInfo.InvariantCulture); }
        if (d.EndsWith("ms", StringComparison.Ordinal)) { return long.Parse(d[..^2], CultureInfo.InvariantCulture) / _tickMs; }
        if (d.EndsWith('s')) { return (long)(double.Parse(d[..^1], CultureInfo.InvariantCulture) * 1000) / _tickMs; }
        throw new FormatException($"'{d}' is not a duration (300ms, 4s, 40ticks)");
    }
}
