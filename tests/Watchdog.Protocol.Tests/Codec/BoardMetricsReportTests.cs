using System.Security.Cryptography;

namespace Watchdog.Protocol.Tests.Codec;

/// <summary>The board's metrics report: its nested arrays, its topic, and who may seal it.</summary>
public sealed class BoardMetricsReportTests
{
    private static readonly TopicTree Topics = new("prod");

    [Fact]
    public void A_problem_inside_a_nested_object_is_named_by_its_path()
    {
        string golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "board-metrics.json"));

        Assert.False(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(golden.Replace("\"state\":\"healthy\"", "\"state\":\"fine\"", StringComparison.Ordinal)), out BoardMetricsReport? _, out CodecError? error));
        Assert.Equal(CodecErrorCode.UnknownWord, error!.Code);
        Assert.Equal("channels[1].state", error.Field);

        Assert.False(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(golden.Replace("{\"node\":\"db2\",\"role\":\"active\",", "{\"role\":\"active\",", StringComparison.Ordinal)), out BoardMetricsReport? _, out error));
        Assert.Equal(CodecErrorCode.MissingField, error!.Code);
        Assert.Equal("groups[0].members[1].node", error.Field);

        Assert.False(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(golden.Replace("\"fence_buckets\":[0,0,0,1,", "\"fence_buckets\":[0,0,0,1.5,", StringComparison.Ordinal)), out BoardMetricsReport? _, out error));
        Assert.Equal(CodecErrorCode.WrongType, error!.Code);
        Assert.Equal("channels[0].fence_buckets[3]", error.Field);

        Assert.False(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(golden.Replace("\"phase\":\"stable\"", "\"phase\":\"calm\"", StringComparison.Ordinal)), out BoardMetricsReport? _, out error));
        Assert.Equal("groups[0].phase", error!.Field);
    }

    [Fact]
    public void Absent_arrays_and_optional_fields_read_as_their_defaults()
    {
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes("""{"board":"rack1","epoch":3,"ts":5,"channels":[{"channel":"ch1","state":"healthy"}]}"""), out BoardMetricsReport? r, out CodecError? error), error?.Text);
        Assert.Equal(PairState.Authority, r!.Pair);
        Assert.Empty(r.Groups);
        Assert.Empty(r.Events);
        Assert.Empty(r.BucketBoundsMs);
        Assert.Equal(-1, r.Channels[0].LadderStep);
        Assert.Empty(r.Channels[0].FenceBuckets);
    }

    [Fact]
    public void The_topic_is_board_name_metrics_and_parses_back()
    {
        string topic = Topics.BoardMetrics("rack1");
        Assert.Equal("watchdog/v1/prod/board/rack1/metrics", topic);
        Assert.True(Topics.TryParse(topic, out ParsedTopic? parsed));
        Assert.Equal(TopicKind.BoardMetrics, parsed!.Kind);
        Assert.Equal("rack1", parsed.Name);
        Assert.Equal("watchdog/v1/prod/board/+/metrics", Topics.AllBoardMetrics());
    }

    [Fact]
    public void Only_the_key_of_the_board_the_topic_names_seals_its_report()
    {
        var ring = new KeyRing();
        ring.Add("kb1", RandomNumberGenerator.GetBytes(32), KeyRole.Board, "rack1");
        ring.Add("kb2", RandomNumberGenerator.GetBytes(32), KeyRole.Board, "rack2");
        ring.Add("kn1", RandomNumberGenerator.GetBytes(32), KeyRole.Node, "db1");
        var hmac = new PortableHmacSha256();
        var reader = new SealedChannel(ring, hmac, KeyRole.Operator, "");
        string topic = Topics.BoardMetrics("rack1");
        byte[] body = MessageCodec.Encode(Samples.BoardMetrics);

        byte[] own = new SealedChannel(ring, hmac, KeyRole.Board, "rack1").Seal(topic, body, Samples.Ts);
        Assert.Equal(SealVerdict.Sealed, reader.Check(topic, TopicKind.BoardMetrics, "rack1", own, out _, out _));
        Assert.Equal(SealVerdict.Replayed, reader.Check(topic, TopicKind.BoardMetrics, "rack1", own, out _, out _));

        byte[] otherBoard = new SealedChannel(ring, hmac, KeyRole.Board, "rack2").Seal(topic, body, Samples.Ts);
        Assert.Equal(SealVerdict.WrongSigner, reader.Check(topic, TopicKind.BoardMetrics, "rack1", otherBoard, out _, out _));

        byte[] node = new SealedChannel(ring, hmac, KeyRole.Node, "db1").Seal(topic, body, Samples.Ts);
        Assert.Equal(SealVerdict.WrongSigner, reader.Check(topic, TopicKind.BoardMetrics, "rack1", node, out _, out _));

        Assert.Equal(SealVerdict.Unsealed, reader.Check(topic, TopicKind.BoardMetrics, "rack1", body, out _, out _));
    }
}
