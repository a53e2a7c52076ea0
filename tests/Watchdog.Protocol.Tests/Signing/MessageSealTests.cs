using System.Security.Cryptography;

namespace Watchdog.Protocol.Tests.Signing;

public class MessageSealTests
{
    private const long Now = 1_764_097_200_000;
    private static readonly byte[] BoardKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Web1Key = Enumerable.Range(40, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Web2Key = Enumerable.Range(80, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] OperatorKey = Enumerable.Range(120, 32).Select(i => (byte)i).ToArray();
    private readonly TopicTree _topics = new("lab");
    private readonly PortableHmacSha256 _hmac = new();

    private static KeyRing Ring()
    {
        var ring = new KeyRing();
        ring.Add("kb1", BoardKey, KeyRole.Board, "rack1");
        ring.Add("kn1", Web1Key, KeyRole.Node, "web1");
        ring.Add("kn2", Web2Key, KeyRole.Node, "web2");
        ring.Add("ko1", OperatorKey);
        return ring;
    }

    private static Grant Grant(string node = "web2", long epoch = 8) => new() { Group = "web", Node = node, Role = NodeRole.Active, Epoch = epoch, Reason = "failover", Timestamp = Now };

    private SealedChannel Party(KeyRole role, string owner) => new(Ring(), _hmac, role, owner);

    [Fact]
    public void A_sealed_grant_opens_and_decodes_to_the_same_grant()
    {
        string topic = _topics.NodeGrant("web2");
        byte[] sealedGrant = Party(KeyRole.Board, "rack1").Seal(topic, MessageCodec.Encode(Grant()), Now);

        var verdict = Party(KeyRole.Node, "web2").Check(topic, TopicKind.NodeGrant, "web2", sealedGrant, out var info, out var detail);

        Assert.Equal(SealVerdict.Sealed, verdict);
        Assert.Equal(("kb1", "rack1", KeyRole.Board), (info.KeyId, info.From, info.Role));
        Assert.True(MessageCodec.TryDecode(sealedGrant, out Grant? decoded, out _));
        Assert.Equal(MessageCodec.Encode(Grant()), MessageCodec.Encode(decoded!));
        Assert.Equal("", detail);
    }

    [Fact]
    public void The_mac_is_hmac_sha256_of_the_documented_input()
    {
        string topic = _topics.NodeGrant("web2");
        byte[] body = MessageCodec.Encode(Grant());
        byte[] sealedGrant = MessageSeal.Seal(topic, body, "kb1", BoardKey, "rack1", 42, _hmac);

        string head = Encoding.UTF8.GetString(body, 0, body.Length - 1);
        string input = "wdmsg1\n" + $"topic={topic.Length}:{topic}\n" + "key=3:kb1\n" + "from=5:rack1\n" + "seq=2:42\n" + $"body={head.Length}:{head}\n";
        string mac = Convert.ToHexStringLower(HMACSHA256.HashData(BoardKey, Encoding.UTF8.GetBytes(input)));
        Assert.Equal(head + ",\"seal\":{\"key\":\"kb1\",\"from\":\"rack1\",\"seq\":42,\"mac\":\"" + mac + "\"}}", Encoding.UTF8.GetString(sealedGrant));
    }

    [Fact]
    public void Any_changed_byte_of_the_body_breaks_the_seal()
    {
        string topic = _topics.NodeGrant("web2");
        byte[] sealedGrant = MessageSeal.Seal(topic, MessageCodec.Encode(Grant()), "kb1", BoardKey, "rack1", 1, _hmac);
        int sealAt = Encoding.UTF8.GetString(sealedGrant).LastIndexOf(",\"seal\"", StringComparison.Ordinal);
        for (int i = 0; i < sealAt; i++)
        {
            byte[] changed = (byte[])sealedGrant.Clone();
            changed[i] ^= 0x01;
            var v = MessageSeal.TryOpen(topic, changed, Ring(), _hmac, out _, out _);
            Assert.True(v is SealVerdict.BadMac or SealVerdict.Malformed or SealVerdict.Unsealed, $"byte {i} changed: {v}");
            Assert.NotEqual(SealVerdict.Sealed, v);
        }
    }

    [Fact]
    public void A_sealed_message_moved_to_another_topic_is_refused()
    {
        byte[] toWeb2 = Party(KeyRole.Board, "rack1").Seal(_topics.NodeGrant("web2"), MessageCodec.Encode(Grant()), Now);

        var v = Party(KeyRole.Node, "web1").Check(_topics.NodeGrant("web1"), TopicKind.NodeGrant, "web1", toWeb2, out _, out string detail);

        Assert.Equal(SealVerdict.BadMac, v);
        Assert.Contains("does not match", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unsealed")]
    [InlineData("trailing member after the seal")]
    [InlineData("seal with an extra field")]
    [InlineData("unknown key")]
    public void Unsealed_and_malformed_seals_are_refused_with_a_reason(string how)
    {
        string topic = _topics.NodeGrant("web2");
        byte[] body = MessageCodec.Encode(Grant());
        string good = Encoding.UTF8.GetString(MessageSeal.Seal(topic, body, "kb1", BoardKey, "rack1", 7, _hmac));
        string payload = how switch
        {
            "unsealed" => Encoding.UTF8.GetString(body),
            "trailing member after the seal" => good[..^1] + ",\"role\":\"standby\"}",
            "seal with an extra field" => good[..^2] + ",\"x\":1}}",
            _ => Encoding.UTF8.GetString(MessageSeal.Seal(topic, body, "nobody", BoardKey, "rack1", 7, _hmac)),
        };

        var v = MessageSeal.TryOpen(topic, Encoding.UTF8.GetBytes(payload), Ring(), _hmac, out _, out string detail);

        var expected = how switch
        {
            "unsealed" => SealVerdict.Unsealed,
            "unknown key" => SealVerdict.UnknownKey,
            _ => SealVerdict.Malformed,
        };
        Assert.Equal(expected, v);
        Assert.NotEqual("", detail);
    }

    [Theory]
    [InlineData(KeyRole.Node, "web2", TopicKind.NodeGrant, "web2")]        // a node key cannot sign a grant, not even its own
    [InlineData(KeyRole.Operator, "", TopicKind.NodeGrantAck, "web1")]      // an operator key cannot sign a node's acknowledgement
    [InlineData(KeyRole.Board, "rack1", TopicKind.NodeState, "web1")]       // a board key cannot sign a node's state
    [InlineData(KeyRole.Node, "web2", TopicKind.NodeState, "web1")]         // web2's key cannot sign web1's state
    [InlineData(KeyRole.Node, "web1", TopicKind.NodeRequest, "web1")]       // nor a request to itself
    [InlineData(KeyRole.Node, "web1", TopicKind.GroupRoles, "web")]         // nor roles
    public void A_key_signs_only_what_its_role_may_say(KeyRole role, string owner, TopicKind kind, string subject)
    {
        string topic = kind switch
        {
            TopicKind.NodeGrant => _topics.NodeGrant(subject),
            TopicKind.NodeGrantAck => _topics.NodeGrantAck(subject),
            TopicKind.NodeState => _topics.NodeState(subject),
            TopicKind.NodeRequest => _topics.NodeRequest(subject),
            _ => _topics.GroupRoles(subject),
        };
        byte[] body = Encoding.UTF8.GetBytes("{\"x\":1}");
        byte[] payload = Party(role, owner).Seal(topic, body, Now);

        var v = Party(KeyRole.Board, "rack1").Check(topic, kind, subject, payload, out _, out string detail);

        Assert.Equal(SealVerdict.WrongSigner, v);
        Assert.Contains("may not sign this topic", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_sealed_message_twice_is_a_replay_and_sequence_grows_within_one_millisecond()
    {
        string topic = _topics.NodeGrantAck("web1");
        var web1 = Party(KeyRole.Node, "web1");
        byte[] first = web1.Seal(topic, Encoding.UTF8.GetBytes("{\"a\":1}"), Now);
        byte[] second = web1.Seal(topic, Encoding.UTF8.GetBytes("{\"a\":2}"), Now);
        var board = Party(KeyRole.Board, "rack1");

        Assert.Equal(SealVerdict.Sealed, board.Check(topic, TopicKind.NodeGrantAck, "web1", first, out var i1, out _));
        Assert.Equal(SealVerdict.Sealed, board.Check(topic, TopicKind.NodeGrantAck, "web1", second, out var i2, out _));
        Assert.Equal(SealVerdict.Replayed, board.Check(topic, TopicKind.NodeGrantAck, "web1", first, out _, out string detail));
        Assert.Equal(SealVerdict.Replayed, board.Check(topic, TopicKind.NodeGrantAck, "web1", second, out _, out _));
        Assert.True(i2.Seq > i1.Seq);
        Assert.Equal(Now * 1000, i1.Seq);
        Assert.Contains("not above", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_file_lines_carry_roles_and_the_old_form_is_an_operator_key()
    {
        string text = "# keys\n" + ClusterKeyFile.Line(KeyRole.Board, "rack1", "kb1", BoardKey) + "\n" +
                      ClusterKeyFile.Line(KeyRole.Node, "web1", "kn1", Web1Key) + "\n" +
                      ClusterKeyFile.Line("ko1", OperatorKey) + "\n" +
                      ClusterKeyFile.Line(KeyRole.Operator, "", "ko2", Web2Key) + "\n";
        var ring = new KeyRing();

        Assert.True(ClusterKeyFile.TryParse(text, "keys", ring, out string error), error);

        Assert.Equal(BoardKey, ring.Find("kb1", out var r1, out var o1));
        Assert.Equal((KeyRole.Board, "rack1"), (r1, o1));
        Assert.NotNull(ring.Find("kn1", out var r2, out var o2));
        Assert.Equal((KeyRole.Node, "web1"), (r2, o2));
        Assert.NotNull(ring.Find("ko1", out var r3, out _));
        Assert.Equal(KeyRole.Operator, r3);
        Assert.Equal("ko1", ring.FirstOf(KeyRole.Operator, ""));
        Assert.Equal("kn1", ring.FirstOf(KeyRole.Node, "web1"));
        Assert.Equal("", ring.FirstOf(KeyRole.Node, "web2"));
    }

    [Theory]
    [InlineData("node kn1:00", "keys:1: expected 'operator <key-id>:<hex>', 'board <board> <key-id>:<hex>' or 'node <node> <key-id>:<hex>'")]
    [InlineData("supervisor x k:00", "keys:1: expected 'operator <key-id>:<hex>'")]
    [InlineData("node web1 kn1:abcd", "keys:1: key 'kn1' must be 64 hex digits")]
    public void A_bad_key_line_names_the_line_and_the_problem(string line, string expected)
    {
        Assert.False(ClusterKeyFile.TryParse(line, "keys", new KeyRing(), out string error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_id_used_twice_is_refused()
    {
        string text = ClusterKeyFile.Line(KeyRole.Board, "rack1", "k", BoardKey) + "\n" + ClusterKeyFile.Line(KeyRole.Node, "web1", "k", Web1Key);

        Assert.False(ClusterKeyFile.TryParse(text, "keys", new KeyRing(), out string error));
        Assert.Equal("keys:2: key id 'k' appears twice; each key needs its own id", error);
    }
}
