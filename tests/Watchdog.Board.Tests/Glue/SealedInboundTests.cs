using System.Security.Cryptography;
using System.Text;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Glue;
using Watchdog.Protocol.Signing;

namespace Watchdog.Board.Tests.Glue;

/// <summary>
/// The shared glue with a board key, without a broker: what reaches the core from agents is only
/// what the right node sealed, once; a state's grant proof decides whether the board believes an
/// epoch it does not know; what the board publishes is sealed so that an agent's check passes.
/// </summary>
public sealed class SealedInboundTests : GlueTestBoard
{
    private const long Now = 1_764_097_200_000;
    private static readonly KeyRing Ring = MakeRing();

    private static KeyRing MakeRing()
    {
        var ring = new KeyRing();
        ring.Add("kb", RandomNumberGenerator.GetBytes(32), KeyRole.Board, Board);
        ring.Add("k1", RandomNumberGenerator.GetBytes(32), KeyRole.Node, "n1");
        ring.Add("k2", RandomNumberGenerator.GetBytes(32), KeyRole.Node, "n2");
        ring.Add("ko", RandomNumberGenerator.GetBytes(32));
        return ring;
    }

    private static SealedChannel Party(KeyRole role, string owner) => new(Ring, new PortableHmacSha256(), role, owner);

    private static NodeState State(string node, NodeRole role, long epoch, string proof = "") => new()
    {
        Node = node, Group = "g", Role = role, Epoch = epoch, Health = Health.Healthy, Feeding = true, GrantProof = proof, Timestamp = Now,
    };

    private static byte[] Sealed(SealedChannel by, string topic, byte[] body, long seq = 1) => by.Seal(topic, body, seq);

    [Fact]
    public void An_unsealed_or_foreign_sealed_state_never_reaches_the_core_and_says_why()
    {
        var (core, dispatcher) = Build();
        string topic = Topics.NodeState("n1");
        byte[] body = MessageCodec.Encode(State("n1", NodeRole.Active, 99));

        Assert.Null(dispatcher.Dispatch(topic, body, Now));
        Assert.True(dispatcher.Refused);
        Assert.Equal(InboundDispatcher.UnauthenticatedKind, dispatcher.RefusedKind);
        Assert.StartsWith("unsealed: ", dispatcher.RefusedReason, StringComparison.Ordinal);

        Assert.Null(dispatcher.Dispatch(topic, Sealed(Party(KeyRole.Node, "n2"), topic, body), Now));
        Assert.StartsWith("wrong-signer: a node key of 'n2'", dispatcher.RefusedReason, StringComparison.Ordinal);

        Assert.Null(dispatcher.Dispatch(topic, Sealed(Party(KeyRole.Board, Board), topic, body), Now));
        Assert.StartsWith("wrong-signer: a board key", dispatcher.RefusedReason, StringComparison.Ordinal);
        Assert.Equal(0, core.Epoch); // an unproven 99 would have raised an alert, a proven one the counter: neither
    }

    [Fact]
    public void A_state_sealed_by_its_node_is_stepped_once_and_its_repeat_is_dropped_without_a_refusal()
    {
        var (core, dispatcher) = Build();
        string topic = Topics.NodeState("n1");
        byte[] sealedState = Sealed(Party(KeyRole.Node, "n1"), topic, MessageCodec.Encode(State("n1", NodeRole.Standby, 0)), 5);

        Assert.NotNull(dispatcher.Dispatch(topic, sealedState, Now));
        Assert.False(dispatcher.Refused);
        Assert.Null(dispatcher.Dispatch(topic, sealedState, Now));
        Assert.False(dispatcher.Refused); // a retained state handed out again after a reconnect
    }

    [Fact]
    public void An_epoch_above_the_counter_is_adopted_only_with_a_grant_a_board_key_sealed()
    {
        var (core, dispatcher) = Build();
        var node = Party(KeyRole.Node, "n1");
        string topic = Topics.NodeState("n1");
        var grant = new Grant { Group = "g", Node = "n1", Role = NodeRole.Active, Epoch = 9, Reason = "r", Timestamp = Now };

        // A proof sealed by a node key (not a board's) proves nothing: the counter stays.
        string forgedProof = Encoding.UTF8.GetString(Sealed(node, Topics.NodeGrant("n1"), MessageCodec.Encode(grant)));
        CoreOutput? output = dispatcher.Dispatch(topic, Sealed(node, topic, MessageCodec.Encode(State("n1", NodeRole.Active, 9, forgedProof)), 10), Now);
        Assert.NotNull(output);
        Assert.Equal(0, core.Epoch);
        Assert.Contains(Events(output!), e => e.Kind == "epoch-unproven");

        // The board's own sealed grant for n1 at 9: adopted.
        string proof = Encoding.UTF8.GetString(Sealed(Party(KeyRole.Board, Board), Topics.NodeGrant("n1"), MessageCodec.Encode(grant)));
        output = dispatcher.Dispatch(topic, Sealed(node, topic, MessageCodec.Encode(State("n1", NodeRole.Active, 9, proof)), 11), Now + 1);
        Assert.Equal(9, core.Epoch);
        Assert.Contains(Events(output!), e => e.Kind == "epoch-ahead");
    }

    [Fact]
    public void A_grant_proof_for_another_node_or_epoch_does_not_count()
    {
        var (core, dispatcher) = Build();
        var node = Party(KeyRole.Node, "n1");
        var board = Party(KeyRole.Board, Board);
        string topic = Topics.NodeState("n1");
        var forN2 = new Grant { Group = "g", Node = "n2", Role = NodeRole.Active, Epoch = 9, Timestamp = Now };
        var atEight = new Grant { Group = "g", Node = "n1", Role = NodeRole.Active, Epoch = 8, Timestamp = Now };
        string n2Proof = Encoding.UTF8.GetString(Sealed(board, Topics.NodeGrant("n2"), MessageCodec.Encode(forN2)));
        string oldProof = Encoding.UTF8.GetString(Sealed(board, Topics.NodeGrant("n1"), MessageCodec.Encode(atEight)));

        dispatcher.Dispatch(topic, Sealed(node, topic, MessageCodec.Encode(State("n1", NodeRole.Active, 9, n2Proof)), 20), Now);
        dispatcher.Dispatch(topic, Sealed(node, topic, MessageCodec.Encode(State("n1", NodeRole.Active, 9, oldProof)), 21), Now + 1);

        Assert.Equal(0, core.Epoch);
    }

    [Fact]
    public void A_grant_ack_outside_the_clock_skew_is_refused_as_stale()
    {
        var (_, dispatcher) = Build();
        string topic = Topics.NodeGrantAck("n1");
        var ack = new GrantAck { Node = "n1", Group = "g", Role = NodeRole.Standby, Epoch = 1, Ok = true, Timestamp = Now - 31_000 };

        Assert.Null(dispatcher.Dispatch(topic, Sealed(Party(KeyRole.Node, "n1"), topic, MessageCodec.Encode(ack)), Now));
        Assert.Equal(InboundDispatcher.UnauthenticatedKind, dispatcher.RefusedKind);
        Assert.StartsWith("stale: issued -31000 ms from the board's clock", dispatcher.RefusedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void What_the_board_publishes_is_sealed_so_that_only_the_right_checks_pass()
    {
        var (core, _) = Build();
        var encoder = new OutboxEncoder(Topics, Board, Party(KeyRole.Board, Board));
        // A command under an unknown key: the core answers with an acknowledgement (sealed) and a refusal event (plain).
        var command = new SignedCommand { Id = "c1", KeyId = "nobody", Target = "n1", Action = CommandAction.Reset, Epoch = 0, IssuedAt = Now, ExpiresAt = Now + 1000, Signature = new string('0', 64) };
        CoreOutput output = core.Step(command, Now);
        int sealedCount = 0;
        for (int i = 0; i < output.Count; i++)
        {
            OutboxEntry entry = output.Entry(i);
            string topic = encoder.TopicOf(entry);
            byte[] payload = encoder.PayloadOf(entry, topic, Now)!;
            if (entry.Message is CommandAck)
            {
                sealedCount++;
                Assert.Equal(SealVerdict.Sealed, Party(KeyRole.Operator, "").Check(topic, TopicKind.CommandAck, "n1", payload, out SealInfo info, out _));
                Assert.Equal(Board, info.From);
                Assert.Equal(SealVerdict.BadMac, Party(KeyRole.Operator, "").Check(Topics.CommandAck("n2"), TopicKind.CommandAck, "n2", payload, out _, out _));
            }
            else if (entry.Message is EventMessage e)
            {
                Assert.Equal(MessageCodec.Encode(e), payload);
            }
        }

        Assert.Equal(1, sealedCount);
    }

    private static List<EventMessage> Events(CoreOutput output)
    {
        var events = new List<EventMessage>();
        for (int i = 0; i < output.Count; i++)
        {
            if (output.Entry(i).Message is EventMessage e)
            {
                events.Add(e);
            }
        }

        return events;
    }

    private static (WatchdogCore, InboundDispatcher) Build()
    {
        var core = Core(
            "[{\"name\":\"s1\",\"node\":\"n1\"},{\"name\":\"s2\",\"node\":\"n2\"}]",
            "[{\"name\":\"g\",\"mode\":\"active-standby\",\"members\":[\"n1\",\"n2\"]}]",
            Ring);
        return (core, new InboundDispatcher(Topics, core, Party(KeyRole.Board, Board), 30_000));
    }
}
