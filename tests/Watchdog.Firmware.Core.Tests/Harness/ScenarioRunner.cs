using System.Globalization;
using System.Text;
using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>
/// Runs a scenario script in etcd-io/raft's testdata style: blocks of
/// <code>
/// # comments
/// command args...
/// optional input lines
/// ----
/// expected output lines
/// (blank line)
/// </code>
/// and produces the same file with the actual output, so a test can compare it with the checked-in
/// one (or, with WATCHDOG_REWRITE=1, write it). See Scenarios/README.md for the commands.
/// </summary>
internal sealed class ScenarioRunner
{
    private Rack? _rack;
    private int _commandSeq;

    public List<string> Violations { get; } = new();

    public static List<Block> Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<Block>();
        int i = 0;
        while (i < lines.Length)
        {
            var comments = new List<string>();
            while (i < lines.Length && (lines[i].Length == 0 || lines[i].StartsWith('#')))
            {
                if (lines[i].Length > 0)
                {
                    comments.Add(lines[i]);
                }

                i++;
            }

            if (i >= lines.Length)
            {
                if (comments.Count > 0)
                {
                    blocks.Add(new Block(comments, "", new List<string>(), new List<string>()));
                }

                break;
            }

            string command = lines[i++];
            var input = new List<string>();
            while (i < lines.Length && lines[i] != "----")
            {
                input.Add(lines[i++]);
            }

            if (i >= lines.Length)
            {
                throw new FormatException($"block '{command}' has no ---- line");
            }

            i++;
            var expected = new List<string>();
            while (i < lines.Length && lines[i].Length > 0)
            {
                expected.Add(lines[i++]);
            }

            blocks.Add(new Block(comments, command, input, expected));
        }

        return blocks;
    }

    /// <summary>Runs every block and returns the file text with actual outputs.</summary>
    public string Run(string text)
    {
        var blocks = Parse(text);
        var sb = new StringBuilder();
        foreach (var block in blocks)
        {
            foreach (var c in block.Comments)
            {
                sb.Append(c).Append('\n');
            }

            if (block.Command.Length == 0)
            {
                continue;
            }

            sb.Append(block.Command).Append('\n');
            foreach (var l in block.Input)
            {
                sb.Append(l).Append('\n');
            }

            sb.Append("----\n");
            var output = Execute(block);
            if (output.Count == 0)
            {
                output.Add("(nothing)");
            }

            foreach (var l in output)
            {
                sb.Append(l).Append('\n');
            }

            sb.Append('\n');
        }

        if (_rack is not null)
        {
            Violations.AddRange(_rack.Referee.Violations);
        }

        return sb.ToString().TrimEnd('\n') + "\n";
    }

    private Rack Rack => _rack ?? throw new InvalidOperationException("no config block before this command");

    private List<string> Execute(Block block)
    {
        var words = block.Command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var args = words.Skip(1).ToArray();
        if (words[0] == "config")
        {
            return Configure(args, string.Join("\n", block.Input));
        }

        Rack.ClearLog();
        switch (words[0])
        {
            case "run":
                Rack.Run(Ticks(args[0]));
                break;
            case "fault":
                Fault(args);
                break;
            case "agent":
                Agent(args);
                break;
            case "command":
                Command(args);
                break;
            case "ticket":
                Ticket(args);
                break;
            case "restart-board":
                Rack.RestartBoard("scripted");
                break;
            case "crash-after-persist":
                Rack.ArmCrashAfterPersist();
                Rack.Note("armed: the board will crash right after persisting its next epoch");
                break;
            case "status":
                return Status();
            default:
                throw new FormatException($"unknown scenario command '{words[0]}'");
        }

        return Rack.Log.ToList();
    }

    private List<string> Configure(string[] args, string json)
    {
        long persisted = 0;
        string? commissioned = null;
        foreach (var a in args)
        {
            if (a.StartsWith("persisted=", StringComparison.Ordinal))
            {
                persisted = long.Parse(a["persisted=".Length..], CultureInfo.InvariantCulture);
            }
            else if (a.StartsWith("commissioned=", StringComparison.Ordinal))
            {
                // Channel names separated by commas in the script ("-" for none), as the record keeps them.
                string list = a["commissioned=".Length..];
                commissioned = list == "-" ? "" : list.Replace(',', ' ');
            }
        }

        if (!BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out var config, out var error))
        {
            return new List<string> { "error: " + error };
        }

        _rack = new Rack(config!, persisted, commissioned);
        return new List<string> { $"ok: {config!.Channels.Length} channels, {config.Groups.Length} groups, tick {config.Timing.TickMs} ms" };
    }

    private long Ticks(string duration)
    {
        int tickMs = Rack.Config.Timing.TickMs;
        if (duration.EndsWith("ticks", StringComparison.Ordinal))
        {
            return long.Parse(duration[..^5], CultureInfo.InvariantCulture);
        }

        double ms = duration.EndsWith("ms", StringComparison.Ordinal)
            ? double.Parse(duration[..^2], CultureInfo.InvariantCulture)
            : duration.EndsWith('s')
                ? double.Parse(duration[..^1], CultureInfo.InvariantCulture) * 1000
                : throw new FormatException($"duration '{duration}' needs ms, s or ticks");
        return (long)Math.Ceiling(ms / tickMs);
    }

    private void Fault(string[] a)
    {
        var s = Rack.Server(a[0]);
        string what = a[1];
        Rack.Note($"fault {string.Join(' ', a)}");
        switch (what)
        {
            case "hang":
                s.Hung = true;
                s.HealOn = Option(a, "heal", "reset") switch { "never" => HealOn.Never, "power-cycle" => HealOn.PowerCycle, _ => HealOn.Reset };
                break;
            case "agent-dies":
                s.Hung = true;
                s.HealOn = HealOn.Reset;
                s.PresenceLost = true;
                Rack.StepPresence(s.Node, Presence.Lost);
                break;
            case "power-loss":
                s.PowerLoss();
                break;
            case "power-restored":
                s.PowerRestored(Rack);
                break;
            case "psu":
                s.PsuOk[int.Parse(a[2], CultureInfo.InvariantCulture)] = a[3] == "on";
                break;
            case "link":
                for (int i = 0; i < s.LinkUp.Length; i++)
                {
                    if (a[2] == "all" || a[2] == i.ToString(CultureInfo.InvariantCulture))
                    {
                        s.LinkUp[i] = a[3] == "up";
                    }
                }

                break;
            case "service":
                s.ServiceFailing = a[2] == "failing";
                s.RestartHeals = Option(a, "restart-heals", "true") == "true";
                Rack.PublishState(s);
                break;
            case "broker" when a[2] == "silent":
                // The agent's path to the broker is gone, but the broker has not published its will yet.
                s.BrokerOk = false;
                break;
            case "broker":
                s.BrokerOk = a[2] == "back";
                s.PresenceLost = !s.BrokerOk;
                Rack.StepPresence(s.Node, s.BrokerOk ? Presence.Ready : Presence.Lost);
                break;
            case "heartbeat-pause":
                s.HeartbeatPauseTicks = (int)Ticks(a[2]);
                break;
            case "pg-glitch":
                s.PowerGlitchTicks = (int)Ticks(a[2]);
                break;
            case "link-glitch":
                s.LinkGlitchTicks = (int)Ticks(a[2]);
                break;
            case "heal":
                s.Hung = false;
                break;
            default:
                throw new FormatException($"unknown fault '{what}'");
        }
    }

    private void Agent(string[] a)
    {
        var s = Rack.Server(a[0]);
        foreach (var opt in a.Skip(1))
        {
            if (opt == "acks=off") { s.Acks = false; }
            else if (opt == "acks=on") { s.Acks = true; Rack.ReleaseHeldAcks(s); }
            else if (opt == "acks=late") { s.Acks = true; s.HoldAcks = true; }
            else if (opt == "publish") { Rack.PublishState(s); }
            else if (opt == "step-down") { Rack.StepDown(s); }
            else if (opt == "installed=no") { s.Installed = false; }
            else if (opt == "installed=yes") { s.Installed = true; }
            else if (opt == "powered-on") { s.PowerOnNow(); }
            else if (opt == "ready=no" || opt == "ready=yes") { s.NotReady = opt == "ready=no"; Rack.PublishState(s); }
            else if (opt == "proof=none") { s.Unproven = true; }
            else if (opt == "proof=sealed") { s.Unproven = false; }
            else if (opt.StartsWith("boot=", StringComparison.Ordinal)) { s.BootTicks = (int)Ticks(opt[5..]); }
            else if (opt.StartsWith("role=", StringComparison.Ordinal) && WireWords.TryParse(opt[5..], out NodeRole role)) { s.Role = role; }
            else if (opt.StartsWith("epoch=", StringComparison.Ordinal)) { s.Epoch = long.Parse(opt[6..], CultureInfo.InvariantCulture); }
            else { throw new FormatException($"unknown agent option '{opt}'"); }
        }

        Rack.Note($"agent {string.Join(' ', a)}");
    }

    // ticket <group> held|lost [floor=N]: the glue's ticket keeper (floor: ContinueAbove before held).
    private void Ticket(string[] a)
    {
        if (a.Length < 2 || (a[1] != "held" && a[1] != "lost"))
        {
            throw new FormatException("ticket needs a group and held or lost: ticket <group> held|lost [floor=N]");
        }

        long floor = long.Parse(Option(a, "floor", "0"), CultureInfo.InvariantCulture);
        string error = Rack.SetTicket(a[0], a[1] == "held", floor);
        Rack.Note($"ticket {string.Join(' ', a)}" + (error.Length == 0 ? "" : $": refused: {error}"));
    }

    private void Command(string[] a)
    {
        if (!WireWords.TryParse(a[0], out CommandAction action))
        {
            throw new FormatException($"unknown action '{a[0]}'");
        }

        string target = a[1];
        string epochText = Option(a, "epoch", "current");
        long current = CurrentEpoch(target);
        long epoch = epochText == "current" ? current : epochText == "current-1" ? current - 1 : long.Parse(epochText, CultureInfo.InvariantCulture);
        string id = Option(a, "id", "cmd-" + (++_commandSeq).ToString(CultureInfo.InvariantCulture));
        long now = Rack.WallMs;
        long issued = now + OffsetMs(Option(a, "issued", "0s"));
        long expires = now + OffsetMs(Option(a, "expires", "+30s"));
        string key = Option(a, "key", "ops");
        byte[]? keyBytes = key == "ops" ? null : Encoding.UTF8.GetBytes("not-the-cluster-key-0123456789abc");
        var c = Rack.Sign(action, target, Option(a, "arg", ""), epoch, id, issued, expires, key == "ops" ? "ops" : "ops", keyBytes);
        if (key == "unknown")
        {
            c.KeyId = "nobody";
        }

        Rack.Command(c);
    }

    private long CurrentEpoch(string target)
    {
        var core = Rack.Core;
        for (int g = 0; g < core.GroupCount; g++)
        {
            var view = core.Group(g);
            if (view.Name == target)
            {
                return view.Epoch;
            }

            for (int m = 0; m < view.MemberCount; m++)
            {
                if (view.Member(m) == target)
                {
                    return view.Epoch;
                }
            }
        }

        return core.Epoch;
    }

    private long OffsetMs(string text)
    {
        bool negative = text.StartsWith('-');
        string body = text.TrimStart('+', '-');
        long ms = body.EndsWith("ms", StringComparison.Ordinal)
            ? long.Parse(body[..^2], CultureInfo.InvariantCulture)
            : (long)(double.Parse(body[..^1], CultureInfo.InvariantCulture) * 1000);
        return negative ? -ms : ms;
    }

    private static string Option(string[] args, string name, string fallback)
    {
        foreach (var a in args)
        {
            if (a.StartsWith(name + "=", StringComparison.Ordinal))
            {
                return a[(name.Length + 1)..];
            }
        }

        return fallback;
    }

    private List<string> Status()
    {
        var core = Rack.Core;
        var lines = new List<string>();
        for (int i = 0; i < core.ChannelCount; i++)
        {
            var c = core.Channel(i);
            var relays = Rack.Core.Output.Relay(i);
            string ladder = c.LadderIndex < 0 ? "-" : $"{c.LadderIndex}:{ConfigWords.Of(c.LadderStep)}";
            lines.Add($"channel {c.Node} {WireWords.Of(c.State)}{(c.Ready ? "" : " not-ready")} verdict={WireWords.Of(c.Verdict)} ladder={ladder} attempts={c.AttemptsInWindow} relays=[{Relays(relays)}] sim={Sim(Rack.Servers[i])}");
        }

        for (int g = 0; g < core.GroupCount; g++)
        {
            var v = core.Group(g);
            var active = Enumerable.Range(0, v.MemberCount).Where(v.CountsAsActive).Select(v.Member);
            string ticket = v.SiteTicket ? (v.TicketHeld ? " ticket=held" : " ticket=not-held") : "";
            lines.Add($"group {v.Name}@{v.Epoch} {v.Phase.ToString().ToLowerInvariant()}{ticket} counts-as-active=[{string.Join(",", active)}]");
        }

        lines.Add($"board epoch={core.Epoch} persisted={Rack.Persisted}");
        return lines;
    }

    private static string Relays(RelayLevels r)
    {
        var on = new List<string>();
        if (r.Reset) { on.Add("reset"); }
        if (r.Power) { on.Add("power"); }
        if (r.Fence) { on.Add("fence"); }
        if (r.Role) { on.Add("role"); }
        return string.Join(",", on);
    }

    private static string Sim(SimServer s)
    {
        string proc = !s.PoweredOn ? "off" : s.ResetHeld ? "held" : s.Booting ? "booting" : s.Hung ? "hung" : "up";
        return $"{proc},{WireWords.Of(s.Role)}@{s.Epoch}";
    }

    internal sealed record Block(List<string> Comments, string Command, List<string> Input, List<string> Expected);
}
