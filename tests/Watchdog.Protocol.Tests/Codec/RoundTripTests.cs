namespace Watchdog.Protocol.Tests.Codec;

/// <summary>Every message type survives encode -> decode unchanged, for random contents.</summary>
public class RoundTripTests
{
    private const int Iterations = 1_000;

    // Any text without lone surrogates (those become U+FFFD on the wire, by design), including
    // quotes, backslashes, control characters and characters outside the BMP.
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char.Where(c => !char.IsSurrogate(c)), 0, 24],
        Gen.String[Gen.Char["\"\\/\n\t\u0001\u007fé"], 0, 8],
        Gen.Const("😀 ok"),
        Gen.Const(""));

    private static readonly Gen<long> Long = Gen.OneOf(Gen.Long, Gen.Long[-5, 5], Gen.Const(long.MinValue), Gen.Const(long.MaxValue));
    private static readonly Gen<double> Double = Gen.OneOf(Gen.Double.Where(double.IsFinite), Gen.Double[0, 100], Gen.Const(double.NaN), Gen.Const(-1.0));
    private static readonly Gen<int> Count = Gen.Int[0, int.MaxValue];
    private static readonly Gen<string[]> Texts = Text.Array[0, 4];

    private static Gen<T> Word<T>(int count) where T : struct, Enum => Gen.Int[0, count - 1].Select(i => (T)(object)i);

    private static void RoundTrip<T>(Gen<T> gen, Func<T, byte[]> encode, CodecCase.TypedDecoder<T> decode) where T : class
    {
        gen.Sample(m =>
        {
            var bytes = encode(m);
            Assert.True(decode(bytes, out var back, out var error), error?.Text);
            MessageEquality.AssertEqual(m, back!);

            // Encoding is deterministic: the same message gives the same bytes again.
            Assert.Equal(bytes, encode(back!));
        }, iter: Iterations);
    }

    [Fact]
    public void NodeState_round_trips()
    {
        var check = Gen.Select(Text, Gen.Bool, Gen.Bool, Gen.Bool, Text, (n, ok, req, gates, d) => new CheckResult { Name = n, Ok = ok, Required = req, GatesPromotion = gates, Detail = d });
        var gen = Gen.Select(Gen.Select(Text, Text, Word<NodeRole>(3), Long, Word<Health>(4), Gen.Bool), Gen.Select(Text, Gen.Bool, Gen.Bool, check.Array[0, 3], Long, Long), (a, b) => new NodeState
        {
            Node = a.Item1, Group = a.Item2, Role = a.Item3, Epoch = a.Item4, Health = a.Item5, Ready = a.Item6,
            Reason = b.Item1, Feeding = b.Item2, BoardLost = b.Item3, Checks = b.Item4, Seq = b.Item5, Timestamp = b.Item6,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void NodeMetrics_round_trips()
    {
        var gen = Gen.Select(Gen.Select(Text, Double, Double, Double, Double), Gen.Select(Double, Double, Double, Double, Long), (a, b) => new NodeMetrics
        {
            Node = a.Item1, CpuPercent = a.Item2, MemoryPercent = a.Item3, DiskPercent = a.Item4, DiskIoBytesPerSecond = a.Item5,
            NetRxBytesPerSecond = b.Item1, NetTxBytesPerSecond = b.Item2, Load1 = b.Item3, ResponseMs = b.Item4, Timestamp = b.Item5,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void GrantAck_round_trips()
    {
        var gen = Gen.Select(Gen.Select(Text, Text, Word<NodeRole>(3), Long), Gen.Select(Gen.Bool, Text, Long), (a, b) => new GrantAck
        {
            Node = a.Item1, Group = a.Item2, Role = a.Item3, Epoch = a.Item4, Ok = b.Item1, Detail = b.Item2, Timestamp = b.Item3,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void BoardStatus_round_trips()
    {
        var pair = Gen.Select(Word<PairState>(4), Text, Gen.Bool, Gen.Bool, Gen.Bool);
        var gen = Gen.Select(Gen.Select(Text, Word<Presence>(5), Long, Long), Gen.Select(Text, Count, Gen.Bool, Long, Long), pair, (a, b, p) => new BoardStatus
        {
            Board = a.Item1, Presence = a.Item2, Epoch = a.Item3, UptimeMs = a.Item4, Firmware = b.Item1, Channels = b.Item2,
            Settled = b.Item3, SettleLeftMs = b.Item4,
            Pair = p.Item1, Peer = p.Item2, PeerInSync = p.Item3, PeerHeartbeat = p.Item4, PeerLink = p.Item5,
            Timestamp = b.Item5,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void ChannelReading_round_trips()
    {
        var gen = Gen.Select(Gen.Select(Text, Text, Text, Word<ChannelState>(9), Word<Verdict>(7)), Gen.Select(Count, Long, Gen.Bool.Array[0, 3], Gen.Bool.Array[0, 3], Texts, Long), (a, b) => new ChannelReading
        {
            Board = a.Item1, Channel = a.Item2, Node = a.Item3, State = a.Item4, Verdict = a.Item5,
            HeartbeatEdges = b.Item1, HeartbeatAgeMs = b.Item2, PowerGood = b.Item3, Link = b.Item4, Outputs = b.Item5, Timestamp = b.Item6,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void GroupRoles_round_trips()
    {
        var gen = Gen.Select(Gen.Select(Text, Word<GroupMode>(2), Long, Texts), Gen.Select(Texts, Texts, Texts, Text, Long), (a, b) => new GroupRoles
        {
            Group = a.Item1, Mode = a.Item2, Epoch = a.Item3, Active = a.Item4, Standby = b.Item1, Ready = b.Item2, Fenced = b.Item3, Reason = b.Item4, Timestamp = b.Item5,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void GroupRoles_from_a_board_without_the_ready_field_reads_as_nobody_ready()
    {
        byte[] older = """{"group":"db","mode":"active-standby","epoch":3,"active":["db1"],"standby":["db2"],"fenced":[],"reason":"","ts":1}"""u8.ToArray();
        Assert.True(MessageCodec.TryDecode(older, out GroupRoles? roles, out CodecError? error), error?.Text);
        Assert.Equal(["db2"], roles!.Standby);
        Assert.Empty(roles.Ready);
    }

    [Fact]
    public void Grant_round_trips()
    {
        var gen = Gen.Select(Text, Text, Word<NodeRole>(3), Long, Text, Long, (g, n, r, e, why, ts) => new Grant
        {
            Group = g, Node = n, Role = r, Epoch = e, Reason = why, Timestamp = ts,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void AgentRequest_round_trips()
    {
        var gen = Gen.Select(Text, Text, Word<AgentRequestKind>(2), Long, Text, Long, (id, n, k, e, why, ts) => new AgentRequest
        {
            Id = id, Node = n, Kind = k, Epoch = e, Reason = why, Timestamp = ts,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void EventMessage_round_trips()
    {
        var gen = Gen.Select(Gen.Select(Text, Text, Word<Severity>(4), Text), Gen.Select(Text, Long, Text, Long), (a, b) => new EventMessage
        {
            Source = a.Item1, Kind = a.Item2, Severity = a.Item3, Node = a.Item4, Group = b.Item1, Epoch = b.Item2, Detail = b.Item3, Timestamp = b.Item4,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void SignedCommand_round_trips()
    {
        var gen = Gen.Select(Gen.Select(Text, Text, Text, Word<CommandAction>(8), Text), Gen.Select(Long, Long, Long, Text), (a, b) => new SignedCommand
        {
            Id = a.Item1, KeyId = a.Item2, Target = a.Item3, Action = a.Item4, Argument = a.Item5,
            Epoch = b.Item1, IssuedAt = b.Item2, ExpiresAt = b.Item3, Signature = b.Item4,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void CommandAck_round_trips()
    {
        var gen = Gen.Select(Text, Text, Word<CommandVerdict>(10), Text, Long, Long, (id, t, v, d, e, ts) => new CommandAck
        {
            Id = id, Target = t, Verdict = v, Detail = d, Epoch = e, Timestamp = ts,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void PairFrame_round_trips()
    {
        var gen = Gen.Select(Gen.Select(Text, Long, Word<PairState>(4), Long), Gen.Select(Long, Long, Gen.Bool, Long), (a, b) => new PairFrame
        {
            From = a.Item1, Seq = a.Item2, State = a.Item3, Epoch = a.Item4, Ceiling = b.Item1, AckSeq = b.Item2, PeerInSync = b.Item3, Timestamp = b.Item4,
        });
        RoundTrip(gen, MessageCodec.Encode, MessageCodec.TryDecode);
    }

    [Fact]
    public void A_pair_frame_is_one_line_whatever_its_name_holds()
    {
        // The serial link ends each frame with '\n': the encoding itself must never contain one
        // (nor '\r', which a terminal-minded reader might also take as an end of line).
        var gen = Gen.Select(Text, Gen.String[Gen.Char["\n\r\u2028x"], 0, 8], Long, (a, b, seq) => new PairFrame { From = a + b, Seq = seq, Ceiling = seq });
        gen.Sample(frame =>
        {
            var bytes = MessageCodec.Encode(frame);
            Assert.DoesNotContain((byte)'\n', bytes);
            Assert.DoesNotContain((byte)'\r', bytes);

            // What a line reader gets back (the line without its terminator) decodes to the frame.
            var line = bytes.Concat("\n"u8.ToArray()).ToArray();
            Assert.Equal(line.Length - 1, Array.IndexOf(line, (byte)'\n'));
            Assert.True(MessageCodec.TryDecode(line[..^1], out PairFrame? back, out var error), error?.Text);
            Assert.Equal(frame.From, back!.From);
        }, iter: Iterations);

        var named = MessageCodec.Encode(new PairFrame { From = "rack1\nrack1-b", State = PairState.Passive });
        Assert.Contains("\"from\":\"rack1\\nrack1-b\"", Encoding.UTF8.GetString(named), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_presence_word_round_trips()
    {
        foreach (Presence p in Enum.GetValues<Presence>())
        {
            var bytes = MessageCodec.EncodePresence(p);
            Assert.Equal(WireWords.Of(p), System.Text.Encoding.ASCII.GetString(bytes));
            Assert.True(MessageCodec.TryDecodePresence(bytes, out var back, out var error), error?.Text);
            Assert.Equal(p, back);
        }

        Assert.Equal("lost"u8.ToArray(), MessageCodec.EncodePresence(Presence.Lost));
    }
}
