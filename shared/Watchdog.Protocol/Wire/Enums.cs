namespace Watchdog.Protocol.Wire
{
    // Every enum that travels on the wire. The device prints Enum.ToString() as a number, so
    // each has an explicit word table in WireWords; never format these with ToString().

    /// <summary>A member's role in its group, as granted by the board.</summary>
    public enum NodeRole { None = 0, Standby = 1, Active = 2 }

    /// <summary>The agent's own view of its health.</summary>
    public enum Health { Unknown = 0, Healthy = 1, Degraded = 2, Failing = 3 }

    /// <summary>Homie's state words for a status topic; the last will publishes Lost.</summary>
    public enum Presence { Init = 0, Ready = 1, Disconnected = 2, Lost = 3, Alert = 4 }

    /// <summary>What the board believes about one wired server.</summary>
    public enum ChannelState { Unknown = 0, Booting = 1, Healthy = 2, Suspect = 3, Failed = 4, Recovering = 5, Fenced = 6, Maintenance = 7, Absent = 8 }

    /// <summary>The failure verdicts (docs/safety-rules.md).</summary>
    public enum Verdict { None = 0, SoftwareFailure = 1, PowerFailure = 2, RedundancyLost = 3, NetworkFailure = 4, BrokerPathLost = 5, ServiceFailure = 6 }

    /// <summary>How a group hands out roles.</summary>
    public enum GroupMode { ActiveStandby = 0, ActiveActive = 1 }

    /// <summary>How bad an event is.</summary>
    public enum Severity { Info = 0, Warning = 1, Alert = 2, Critical = 3 }

    /// <summary>What a signed command asks for.</summary>
    public enum CommandAction { Switchover = 0, Failback = 1, Fence = 2, Unfence = 3, Reset = 4, PowerCycle = 5, MaintenanceOn = 6, MaintenanceOff = 7 }

    /// <summary>Why a command was refused; Accepted when it was not.</summary>
    public enum CommandVerdict
    {
        Accepted = 0,
        Malformed = 1,
        UnknownKey = 2,
        BadSignature = 3,
        Expired = 4,
        NotYetValid = 5,
        Replayed = 6,
        StaleEpoch = 7,
        WrongTarget = 8,
        NotAllowed = 9,
    }

    /// <summary>What the board asks an agent to do (not a signed command: the board owns the wires anyway).</summary>
    public enum AgentRequestKind { RestartService = 0, Demote = 1 }

    /// <summary>
    /// A board's place in a pair of boards. Only the Authority drives a server's wires, grants
    /// roles or answers commands; a Passive board watches and keeps its outputs released;
    /// Confirming holds the peer in reset before taking authority; Booting has not yet heard
    /// enough to know which it is. A board without a peer is always Authority.
    /// </summary>
    public enum PairState { Booting = 0, Passive = 1, Confirming = 2, Authority = 3 }
}
