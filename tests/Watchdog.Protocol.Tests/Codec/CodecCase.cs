namespace Watchdog.Protocol.Tests.Codec;

public delegate bool Decoder(byte[] payload, out object? message, out CodecError? error);

/// <summary>One message type as the tests see it: how to encode and decode it, a documented sample, and which fields are required.</summary>
public sealed record CodecCase(string Name, Type Type, Func<object, byte[]> Encode, Decoder Decode, object Sample, string[] Required)
{
    public override string ToString() => Name;

    public string GoldenPath => Path.Combine(AppContext.BaseDirectory, "Golden", Name + ".json");

    public static readonly CodecCase[] All =
    [
        Make<NodeState>("node-state", MessageCodec.Encode, MessageCodec.TryDecode, Samples.NodeState, "node", "role", "epoch", "health", "ts"),
        Make<NodeMetrics>("node-metrics", MessageCodec.Encode, MessageCodec.TryDecode, Samples.NodeMetrics, "node", "ts"),
        Make<GrantAck>("grant-ack", MessageCodec.Encode, MessageCodec.TryDecode, Samples.GrantAck, "node", "role", "epoch", "ok", "ts"),
        Make<BoardStatus>("board-status", MessageCodec.Encode, MessageCodec.TryDecode, Samples.BoardStatus, "board", "status", "epoch", "ts"),
        Make<ChannelReading>("channel-reading", MessageCodec.Encode, MessageCodec.TryDecode, Samples.ChannelReading, "board", "channel", "state", "ts"),
        Make<GroupRoles>("group-roles", MessageCodec.Encode, MessageCodec.TryDecode, Samples.GroupRoles, "group", "mode", "epoch", "ts"),
        Make<Grant>("grant", MessageCodec.Encode, MessageCodec.TryDecode, Samples.Grant, "group", "node", "role", "epoch", "ts"),
        Make<AgentRequest>("agent-request", MessageCodec.Encode, MessageCodec.TryDecode, Samples.AgentRequest, "id", "node", "kind", "epoch", "ts"),
        Make<EventMessage>("event", MessageCodec.Encode, MessageCodec.TryDecode, Samples.Event, "source", "kind", "severity", "ts"),
        Make<SignedCommand>("signed-command", MessageCodec.Encode, MessageCodec.TryDecode, Samples.SignedCommand, "id", "target", "action", "epoch", "issued_at", "expires_at"),
        Make<CommandAck>("command-ack", MessageCodec.Encode, MessageCodec.TryDecode, Samples.CommandAck, "id", "target", "verdict", "ts"),
        Make<BoardMetricsReport>("board-metrics", MessageCodec.Encode, MessageCodec.TryDecode, Samples.BoardMetrics, "board", "epoch", "ts"),
        Make<PairFrame>("pair-frame", MessageCodec.Encode, MessageCodec.TryDecode, Samples.PairFrame, "from", "seq", "state", "epoch", "ceiling", "ts"),
    ];

    public static TheoryData<CodecCase> Theory()
    {
        var data = new TheoryData<CodecCase>();
        foreach (var c in All)
        {
            data.Add(c);
        }

        return data;
    }

    public delegate bool TypedDecoder<T>(byte[] payload, out T? message, out CodecError? error);

    private static CodecCase Make<T>(string name, Func<T, byte[]> encode, TypedDecoder<T> decode, T sample, params string[] required)
        where T : class
    {
        bool Decode(byte[] payload, out object? message, out CodecError? error)
        {
            var ok = decode(payload, out var typed, out error);
            message = typed;
            return ok;
        }

        return new CodecCase(name, typeof(T), m => encode((T)m), Decode, sample, required);
    }
}
