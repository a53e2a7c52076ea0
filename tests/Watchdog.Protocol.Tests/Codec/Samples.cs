namespace Watchdog.Protocol.Tests.Codec;

/// <summary>The sample of every message that docs/protocol.md shows; Golden/*.json hold their exact encodings.</summary>
public static class Samples
{
    public const long Ts = 1764097200000;

    public static NodeState NodeState => new()
    {
        Node = "db1",
        Group = "db",
        Role = NodeRole.Active,
        Epoch = 7,
        Health = Health.Healthy,
        Ready = true,
        Reason = "",
        Feeding = true,
        BoardLost = false,
        Checks =
        [
            new CheckResult { Name = "http", Ok = true, Required = true, Detail = "200 in 3 ms" },
            new CheckResult { Name = "disk", Ok = true, Required = false, Detail = "/var 41% used" },
            new CheckResult { Name = "pg-sync", Ok = true, GatesPromotion = true, Detail = "primary, 1 synchronous standby" },
        ],
        Seq = 12,
        Timestamp = Ts,
    };

    public static NodeMetrics NodeMetrics => new()
    {
        Node = "db1",
        CpuPercent = 12.5,
        MemoryPercent = 63.2,
        DiskPercent = 41,
        DiskIoBytesPerSecond = 524288,
        NetRxBytesPerSecond = 1250000,
        NetTxBytesPerSecond = 980000,
        Load1 = 0.42,
        ResponseMs = 3.1,
        Timestamp = Ts,
    };

    public static GrantAck GrantAck => new()
    {
        Node = "db2",
        Group = "db",
        Role = NodeRole.Active,
        Epoch = 8,
        Ok = true,
        Detail = "promote hook exited 0 in 412 ms",
        Timestamp = Ts + 950,
    };

    public static BoardStatus BoardStatus => new()
    {
        Board = "rack1",
        Presence = Presence.Ready,
        Epoch = 7,
        UptimeMs = 86400000,
        Firmware = "watchdog-esp32 0.1.0",
        Channels = 2,
        Settled = true,
        SettleLeftMs = 0,
        Pair = PairState.Authority,
        Peer = "rack1-b",
        PeerInSync = true,
        PeerHeartbeat = true,
        PeerLink = true,
        Timestamp = Ts,
    };

    /// <summary>The authority's frame on the board-to-board link: it asks the passive rack1-b to make 64 epochs ahead durable.</summary>
    public static PairFrame PairFrame => new()
    {
        From = "rack1",
        Seq = 4211,
        State = PairState.Authority,
        Epoch = 7,
        Ceiling = 71,
        AckSeq = 4198,
        PeerInSync = true,
        Timestamp = Ts,
    };

    public static ChannelReading ChannelReading => new()
    {
        Board = "rack1",
        Channel = "ch1",
        Node = "db1",
        State = ChannelState.Healthy,
        Verdict = Verdict.RedundancyLost,
        HeartbeatEdges = 10,
        HeartbeatAgeMs = 180,
        PowerGood = [true, false],
        Link = [true],
        Outputs = [],
        Timestamp = Ts,
    };

    public static BoardMetricsReport BoardMetrics => new()
    {
        Board = "rack1",
        Firmware = "watchdog-esp32 0.1.0",
        IntervalMs = 5000,
        UptimeMs = 86400000,
        Settled = true,
        SettleLeftMs = 0,
        Epoch = 8,
        MqttConnected = true,
        TickWorstLateMs = 12.5,
        TickStalls = 0,
        MessagesRefused = 3,
        OutboxDropped = 0,
        Pair = PairState.Authority,
        Peer = "",
        BucketBoundsMs = [100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000],
        Channels =
        [
            new ChannelFigures
            {
                Channel = "ch1", Node = "db1", State = ChannelState.Fenced, Verdict = Verdict.SoftwareFailure, HeartbeatAgeMs = 4200, SuspicionPercent = 840,
                HeartbeatEdges = 0, PowerGood = [true], Link = [true], Outputs = ["reset"], Ready = false, ConfirmedOut = true, Quiet = false,
                LadderStep = 1, LadderAttempts = 1, Fences = 1, Resets = 1, PowerCycles = 0, FenceMsSum = 620, FenceBuckets = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
            },
            new ChannelFigures
            {
                Channel = "ch2", Node = "db2", State = ChannelState.Healthy, Verdict = Verdict.None, HeartbeatAgeMs = 180, SuspicionPercent = 36,
                HeartbeatEdges = 10, PowerGood = [true], Link = [true], Outputs = ["role"], Ready = true, LadderStep = -1,
            },
        ],
        Groups =
        [
            new GroupFigures
            {
                Group = "db", Epoch = 8, Phase = 1, ActiveMembers = 1,
                Members = [new MemberFigures { Node = "db1", Role = NodeRole.Standby }, new MemberFigures { Node = "db2", Role = NodeRole.Active, CountsAsActive = true }],
                RoleChanges = 2, Failovers = 1, FailoverMsSum = 1840, FailoverBuckets = [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
            },
        ],
        Events =
        [
            new EventCount { Kind = "state-fenced", Severity = Severity.Alert, Count = 1 },
            new EventCount { Kind = "reset-pulse", Severity = Severity.Warning, Count = 1 },
        ],
        Timestamp = Ts,
    };

    public static GroupRoles GroupRoles => new()
    {
        Group = "db",
        Mode = GroupMode.ActiveStandby,
        Epoch = 8,
        Active = ["db2"],
        Standby = [],
        Fenced = ["db1"],
        Reason = "db1: heartbeat lost, power good high (software failure); held in reset",
        Timestamp = Ts + 640,
    };

    public static Grant Grant => new()
    {
        Group = "db",
        Node = "db2",
        Role = NodeRole.Active,
        Epoch = 8,
        Reason = "failover from db1 (fenced)",
        Timestamp = Ts + 640,
    };

    public static AgentRequest AgentRequest => new()
    {
        Id = "r-42",
        Node = "db1",
        Kind = AgentRequestKind.RestartService,
        Epoch = 7,
        Reason = "check 'http' failing for 30 s",
        Timestamp = Ts,
    };

    public static EventMessage Event => new()
    {
        Source = "rack1",
        Kind = "fence-confirmed",
        Severity = Severity.Alert,
        Node = "db1",
        Group = "db",
        Epoch = 8,
        Detail = "reset held, power good still high",
        Timestamp = Ts + 600,
    };

    public static SignedCommand SignedCommand => new()
    {
        Id = "c-1",
        KeyId = "k1",
        Target = "db",
        Action = CommandAction.Switchover,
        Argument = "db2",
        Epoch = 7,
        IssuedAt = Ts,
        ExpiresAt = Ts + 30000,
        // HMAC-SHA256 of the canonical form under the ASCII key "correct horse battery staple 2026" (computed with Python's hmac module); GoldenTests checks the signer agrees.
        Signature = "5e96d269547abe725dd84e61f9499cdf729dd3ecf4d2c1d589fd853b255c8ba7",
    };

    public static CommandAck CommandAck => new()
    {
        Id = "c-1",
        Target = "db",
        Verdict = CommandVerdict.StaleEpoch,
        Detail = "command carries epoch 6 but the current epoch is 7",
        Epoch = 7,
        Timestamp = Ts + 20,
    };
}
