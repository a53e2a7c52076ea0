using Watchdog.Agent.Configuration;
using Watchdog.Agent.Status;
using Watchdog.Platform.Signing;

namespace Watchdog.Agent.Messaging;

/// <summary>
/// Signed commands addressed to this node (command/&lt;node&gt;). Every command is verified
/// (signature, freshness, replay, epoch). Refusals are answered with a CommandAck and an event
/// naming the reason. Of the accepted ones the agent itself carries out maintenance-on/off;
/// fence, reset, power-cycle, switchover and failback are the board's to carry out, so the
/// agent leaves their acknowledgement to the board.
/// </summary>
public sealed class CommandGate
{
    private readonly CommandVerifier _verifier;
    private readonly string _node;
    private readonly IAgentEvents _events;
    private readonly AgentStatus _status;
    private readonly TimeProvider _time;
    private readonly Func<long> _epoch;

    public CommandGate(CommandVerifier verifier, string node, IAgentEvents events, AgentStatus status, TimeProvider time, Func<long> epoch)
    {
        _verifier = verifier;
        _node = node;
        _events = events;
        _status = status;
        _time = time;
        _epoch = epoch;
    }

    public bool Maintenance { get; private set; }

    /// <summary>
    /// The verifier over the agent's keys (operator keys sign commands). The replay ring starts
    /// empty, so whatever was issued before this start is refused: it may have been carried out.
    /// </summary>
    public static CommandVerifier CreateVerifier(KeyRing ring, CommandOptions o, TimeProvider time) =>
        new(ring, new PlatformHmacSha256(), o.ReplayWindow, o.MaxClockSkewMs) { IssuedNotBefore = time.GetUtcNow().ToUnixTimeMilliseconds() };

    /// <summary>Returns the ack to publish, or null when the board answers this command.</summary>
    public CommandAck? Handle(SignedCommand? command, string decodeError)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (command == null)
        {
            _events.Raise("command-refused", Severity.Warning, "unreadable command: " + decodeError);
            return new CommandAck { Id = "", Target = _node, Verdict = CommandVerdict.Malformed, Detail = decodeError, Epoch = _epoch(), Timestamp = now };
        }

        CommandVerdict verdict = _verifier.Verify(command, _epoch(), now, out string detail);
        if (verdict == CommandVerdict.Accepted && command.Target != _node)
        {
            verdict = CommandVerdict.WrongTarget;
            detail = "command for '" + command.Target + "' arrived on the topic of node '" + _node + "'";
        }

        if (verdict != CommandVerdict.Accepted)
        {
            _events.Raise("command-refused", Severity.Warning, WireWords.Of(command.Action) + " id " + command.Id + ": " + WireWords.Of(verdict) + (detail.Length > 0 ? ": " + detail : ""));
            return Ack(command, verdict, detail, now);
        }

        switch (command.Action)
        {
            case CommandAction.MaintenanceOn:
            case CommandAction.MaintenanceOff:
                Maintenance = command.Action == CommandAction.MaintenanceOn;
                _events.Raise("maintenance", Severity.Info, "maintenance " + (Maintenance ? "on" : "off") + " (command " + command.Id + ")");
                _status.SetRole(_status.Role, _status.Epoch, Maintenance ? "maintenance mode" : "");
                return Ack(command, CommandVerdict.Accepted, "maintenance " + (Maintenance ? "on" : "off"), now);
            default:
                _events.Raise("command-seen", Severity.Info, WireWords.Of(command.Action) + " id " + command.Id + " verified; carried out by the board");
                return null;
        }
    }

    private CommandAck Ack(SignedCommand c, CommandVerdict verdict, string detail, long now) => new()
    {
        Id = c.Id,
        Target = _node,
        Verdict = verdict,
        Detail = detail,
        Epoch = _epoch(),
        Timestamp = now,
    };
}
