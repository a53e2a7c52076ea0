using System.Text.Json;
using System.Text.Json.Nodes;

namespace Watchdog.Protocol.Tests.Codec;

/// <summary>Readers accept any member order and whitespace, ignore unknown members and default optional ones.</summary>
public class TolerantReaderTests
{
    private static JsonObject Golden(CodecCase c) => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllBytes(c.GoldenPath))!.AsObject();

    private static void AssertDecodesToSample(CodecCase c, string json)
    {
        Assert.True(c.Decode(Encoding.UTF8.GetBytes(json), out var message, out var error), error?.Text + " in " + json);
        MessageEquality.AssertEqual(c.Sample, message!);
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Reversed_order_unknown_members_and_whitespace(CodecCase c)
    {
        var golden = Golden(c);
        var reordered = new JsonObject();
        reordered["x_future_field"] = new JsonObject { ["nested"] = new JsonArray(1, "two", null, new JsonObject()) };
        foreach (var (name, value) in golden.Reverse())
        {
            reordered[name] = value?.DeepClone();
            reordered["zz_" + name] = "ignored";
        }

        reordered["unknown_number"] = 1e300;
        var pretty = reordered.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Replace("\n", "\r\n\t ", StringComparison.Ordinal);
        AssertDecodesToSample(c, pretty);
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Every_field_not_required_may_be_left_out(CodecCase c)
    {
        var golden = Golden(c);
        var minimal = new JsonObject();
        foreach (var name in c.Required)
        {
            minimal[name] = golden[name]!.DeepClone();
        }

        var bytes = Encoding.UTF8.GetBytes(minimal.ToJsonString());
        Assert.True(c.Decode(bytes, out var message, out var error), error?.Text);

        // What was left out has its documented default: an empty string, false, 0, an empty array.
        var fresh = Activator.CreateInstance(c.Type)!;
        foreach (var p in c.Type.GetProperties())
        {
            var wire = golden.Select(kv => kv.Key).FirstOrDefault(k => Normalize(k) == Normalize(p.Name));
            if (wire != null && c.Required.Contains(wire))
            {
                continue;
            }

            var expected = p.GetValue(fresh);
            var actual = p.GetValue(message);
            if (expected is Array a)
            {
                Assert.Empty((Array)actual!);
                Assert.Empty(a);
            }
            else
            {
                Assert.True(Equals(expected, actual), $"{c.Name}.{p.Name}: default {expected}, got {actual}");
            }
        }
    }

    // Property names and wire names line up after dropping '_' and case, with the few short forms mapped.
    private static string Normalize(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "ts" => "timestamp",
        "status" => "presence",
        "arg" => "argument",
        "sig" => "signature",
        "issuedat" => "issuedat",
        "hbedges" => "heartbeatedges",
        "hbagems" => "heartbeatagems",
        var n => n,
    };

    [Fact]
    public void Null_counts_as_absent_and_metrics_null_means_nan()
    {
        var json = "{\"node\":\"db1\",\"group\":null,\"role\":\"active\",\"epoch\":7,\"health\":\"healthy\",\"checks\":null,\"ts\":1}";
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(json), out NodeState? state, out var error), error?.Text);
        Assert.Equal("", state!.Group);
        Assert.Empty(state.Checks);

        Assert.True(MessageCodec.TryDecode("{\"node\":\"db1\",\"cpu_pct\":null,\"ts\":1}"u8.ToArray(), out NodeMetrics? metrics, out error), error?.Text);
        Assert.True(double.IsNaN(metrics!.CpuPercent));
        Assert.Equal(-1, metrics.ResponseMs);
    }

    [Fact]
    public void A_node_state_from_before_the_ready_field_reads_as_ready_and_false_reads_as_not_ready()
    {
        // An agent from before promotion gating gates nothing: absent (or null) must not keep it from being promoted.
        var old = "{\"node\":\"db2\",\"role\":\"standby\",\"epoch\":7,\"health\":\"healthy\",\"checks\":[{\"name\":\"pg\",\"ok\":false}],\"ts\":1}";
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(old), out NodeState? state, out var error), error?.Text);
        Assert.True(state!.Ready);
        Assert.False(state.Checks[0].GatesPromotion);
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(old.Replace("\"ts\"", "\"ready\":null,\"ts\"", StringComparison.Ordinal)), out state, out error), error?.Text);
        Assert.True(state!.Ready);

        var lagging = old.Replace("\"ts\"", "\"ready\":false,\"reason\":\"not ready: pg: 40 MB behind\",\"ts\"", StringComparison.Ordinal)
            .Replace("\"ok\":false", "\"ok\":false,\"gates_promotion\":true", StringComparison.Ordinal);
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(lagging), out state, out error), error?.Text);
        Assert.False(state!.Ready);
        Assert.True(state.Checks[0].GatesPromotion);
        Assert.Equal("not ready: pg: 40 MB behind", state.Reason);

        // A not-ready state encodes the flag, so a reader defaulting to ready still sees it.
        Assert.Contains("\"ready\":false", Encoding.UTF8.GetString(MessageCodec.Encode(state)), StringComparison.Ordinal);
        Assert.False(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(old.Replace("\"ts\"", "\"ready\":\"no\",\"ts\"", StringComparison.Ordinal)), out NodeState? _, out error));
        Assert.Contains("ready", error!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_board_status_from_before_the_settled_fields_reads_as_not_settled_with_the_time_left_unknown()
    {
        var old = "{\"board\":\"rack1\",\"status\":\"ready\",\"epoch\":7,\"uptime_ms\":1200,\"firmware\":\"watchdog-core/1\",\"channels\":2,\"ts\":1}";
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(old), out BoardStatus? status, out var error), error?.Text);
        Assert.False(status!.Settled);
        Assert.Equal(-1, status.SettleLeftMs);

        // null counts as absent here too; a present value is taken as it is.
        var settling = "{\"board\":\"rack1\",\"status\":\"ready\",\"epoch\":7,\"settled\":false,\"settle_left_ms\":2990,\"ts\":1}";
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(settling), out status, out error), error?.Text);
        Assert.False(status!.Settled);
        Assert.Equal(2990, status.SettleLeftMs);
        Assert.True(MessageCodec.TryDecode("{\"board\":\"b\",\"status\":\"ready\",\"epoch\":1,\"settle_left_ms\":null,\"ts\":1}"u8.ToArray(), out status, out error), error?.Text);
        Assert.Equal(-1, status!.SettleLeftMs);
    }

    [Fact]
    public void A_board_status_from_before_pairs_reads_as_an_authority_without_a_peer()
    {
        var old = "{\"board\":\"rack1\",\"status\":\"ready\",\"epoch\":7,\"channels\":2,\"settled\":true,\"settle_left_ms\":0,\"ts\":1}";
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(old), out BoardStatus? status, out var error), error?.Text);
        Assert.Equal(PairState.Authority, status!.Pair);
        Assert.Equal("", status.Peer);
        Assert.False(status.PeerInSync);
        Assert.False(status.PeerHeartbeat);
        Assert.False(status.PeerLink);

        // null counts as absent: authority again, not the table's first word (booting).
        Assert.True(MessageCodec.TryDecode("{\"board\":\"b\",\"status\":\"ready\",\"epoch\":1,\"pair\":null,\"ts\":1}"u8.ToArray(), out status, out error), error?.Text);
        Assert.Equal(PairState.Authority, status!.Pair);

        var passive = "{\"board\":\"rack1-b\",\"status\":\"ready\",\"epoch\":7,\"pair\":\"passive\",\"peer\":\"rack1\",\"peer_in_sync\":true,\"peer_heartbeat\":true,\"peer_link\":false,\"ts\":1}";
        Assert.True(MessageCodec.TryDecode(Encoding.UTF8.GetBytes(passive), out status, out error), error?.Text);
        Assert.Equal(PairState.Passive, status!.Pair);
        Assert.Equal("rack1", status.Peer);
        Assert.True(status.PeerInSync);
        Assert.True(status.PeerHeartbeat);
        Assert.False(status.PeerLink);
    }

    [Fact]
    public void A_bad_pair_word_is_refused_naming_the_field()
    {
        Assert.False(MessageCodec.TryDecode("{\"board\":\"b\",\"status\":\"ready\",\"epoch\":1,\"pair\":\"leader\",\"ts\":1}"u8.ToArray(), out BoardStatus? _, out var error));
        Assert.Equal(CodecErrorCode.UnknownWord, error!.Code);
        Assert.Equal("pair", error.Field);
        Assert.Equal("field 'pair': unknown word 'leader', expected one of booting, passive, confirming, authority", error.Text);

        // "" is not "absent" for this field: a board that sends it is broken, not old.
        Assert.False(MessageCodec.TryDecode("{\"board\":\"b\",\"status\":\"ready\",\"epoch\":1,\"pair\":\"\",\"ts\":1}"u8.ToArray(), out BoardStatus? _, out error));
        Assert.Equal("pair", error!.Field);

        Assert.False(MessageCodec.TryDecode("{\"from\":\"rack1\",\"seq\":1,\"state\":\"master\",\"epoch\":7,\"ceiling\":71,\"ts\":1}"u8.ToArray(), out PairFrame? frame, out error));
        Assert.Null(frame);
        Assert.Equal("field 'state': unknown word 'master', expected one of booting, passive, confirming, authority", error!.Text);
    }

    [Fact]
    public void The_settled_fields_must_have_their_types()
    {
        Assert.False(MessageCodec.TryDecode("{\"board\":\"b\",\"status\":\"ready\",\"epoch\":1,\"settled\":\"yes\",\"ts\":1}"u8.ToArray(), out BoardStatus? _, out var error));
        Assert.Equal("field 'settled': expected true or false, got a string", error!.Text);
        Assert.False(MessageCodec.TryDecode("{\"board\":\"b\",\"status\":\"ready\",\"epoch\":1,\"settle_left_ms\":1.5,\"ts\":1}"u8.ToArray(), out BoardStatus? _, out error));
        Assert.Equal("settle_left_ms", error!.Field);
    }

    [Fact]
    public void Presence_word_may_have_surrounding_whitespace()
    {
        Assert.True(MessageCodec.TryDecodePresence(" lost\n"u8.ToArray(), out var p, out _));
        Assert.Equal(Wire.Presence.Lost, p);
    }
}
