using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Watchdog.Protocol.Topics;

namespace Watchdog.Lab.Tests.Failover;

/// <summary>
/// The attacker and the judge of its forgeries. Its own MQTT client publishes (retained or not)
/// and keeps every payload as it arrived: the observer keeps decoded messages only and cannot tell a
/// sealed message from a forgery, so what the board and agents genuinely said is read here, by seal.
/// </summary>
internal sealed class Forge : IAsyncDisposable
{
    public const string Unauthenticated = "message-unauthenticated";

    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    /// <summary>Events that say a role, an epoch or a server moved (besides every channel state change, "state-*").</summary>
    private static readonly string[] Moves =
    [
        "failure", "reset-pulse", "power-cycle", "demotion-acknowledged", "grant-unacknowledged", "epoch-unproven", "epoch-ahead",
        "claim-unexpected", "role-changed", "role-change-failed", "maintenance", "command-accepted",
    ];

    private readonly RackCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly IMqttClient _client;
    private readonly SealedChannel _judge;
    private readonly Lock _gate = new();
    private readonly List<(long AtMs, string Topic, byte[] Payload)> _seen = [];

    private Forge(RackCluster cluster, ITestOutputHelper output, IMqttClient client)
    {
        _cluster = cluster;
        _output = output;
        _client = client;
        var ring = new KeyRing();
        foreach (var k in cluster.Keys.Keys)
        {
            ring.Add(k.KeyId, k.Key, k.Role, k.Owner);
        }

        _judge = new SealedChannel(ring, new PortableHmacSha256(), KeyRole.Operator, "");
    }

    public TopicTree Topics => _cluster.Observer.Topics;

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static async Task<Forge> ConnectAsync(RackCluster cluster, ITestOutputHelper output)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var forge = new Forge(cluster, output, client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            lock (forge._gate)
            {
                forge._seen.Add((Now(), e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()));
            }

            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(cluster.BrokerHost, cluster.BrokerPort).WithClientId("forger").Build(), CancellationToken.None);
        await client.SubscribeAsync(new MqttClientFactory().CreateSubscribeOptionsBuilder().WithTopicFilter(cluster.Observer.Topics.Everything(), MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
        // The retained roles arrive right after the subscription: from then on the record is whole.
        Assert.True(await cluster.Observer.WaitForAsync(_ => forge.Roles().Count > 0, Generous, CancellationToken.None), "no retained roles sealed by the board on the broker");
        return forge;
    }

    public async Task PublishAsync(string topic, byte[] payload, bool retain)
    {
        _cluster.Rack.Timeline.Record(TimelineKind.Fault, "forger", (retain ? "retained " : "") + topic, Encoding.UTF8.GetString(payload));
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
    }

    /// <summary>Seals <paramref name="body"/> for <paramref name="topic"/> with the rack's key of this role and owner.</summary>
    public byte[] Seal(KeyRole role, string owner, string topic, byte[] body)
    {
        var key = _cluster.Keys.Keys.First(k => k.Role == role && k.Owner == owner);
        var ring = new KeyRing();
        ring.Add(key.KeyId, key.Key, key.Role, key.Owner);
        return new SealedChannel(ring, new PortableHmacSha256(), role, owner).Seal(topic, body, Now());
    }

    /// <summary>Payloads on <paramref name="topic"/> received at or after <paramref name="sinceMs"/>, in order.</summary>
    public List<(long AtMs, byte[] Payload)> Received(string topic, long sinceMs = 0)
    {
        lock (_gate)
        {
            return _seen.Where(m => m.Topic == topic && m.AtMs >= sinceMs && m.Payload.Length > 0).Select(m => (m.AtMs, m.Payload)).ToList();
        }
    }

    /// <summary>True when the payload is sealed by a key whose role may publish on this topic.</summary>
    public bool Genuine(string topic, byte[] payload) =>
        Topics.TryParse(topic, out var t) && t is not null && _judge.Verify(topic, t.Kind, t.Name, payload, out _, out _) == SealVerdict.Sealed;

    /// <summary>What web1's and web2's agents and the board genuinely said, decoded, in order.</summary>
    public List<NodeState> States(string node, long sinceMs = 0) =>
        Received(Topics.NodeState(node), sinceMs).Where(m => Genuine(Topics.NodeState(node), m.Payload))
            .Select(m => MessageCodec.TryDecode(m.Payload, out NodeState? s, out _) ? s : null).OfType<NodeState>().ToList();

    public List<GroupRoles> Roles(long sinceMs = 0) =>
        Received(Topics.GroupRoles("web"), sinceMs).Where(m => Genuine(Topics.GroupRoles("web"), m.Payload))
            .Select(m => MessageCodec.TryDecode(m.Payload, out GroupRoles? r, out _) ? r : null).OfType<GroupRoles>().ToList();

    public List<(long AtMs, Grant Grant, byte[] Payload)> Grants(string node, long sinceMs = 0) =>
        Received(Topics.NodeGrant(node), sinceMs).Where(m => Genuine(Topics.NodeGrant(node), m.Payload))
            .Select(m => (m.AtMs, Grant: MessageCodec.TryDecode(m.Payload, out Grant? g, out _) ? g : null, m.Payload)).Where(m => m.Grant is not null).Select(m => (m.AtMs, m.Grant!, m.Payload)).ToList();

    /// <summary>
    /// Where the rack stands before a forgery: web1 active, web2 a ready standby, both channels
    /// healthy on the board, both agents' latest genuine states at the roles' epoch, and web1
    /// alone holding the virtual IP.
    /// </summary>
    /// <param name="web2Ready">False when web2 is in maintenance: a standby then, but not ready to take over.</param>
    public async Task<Baseline> BaselineAsync(bool web2Ready = true)
    {
        Assert.True(!web2Ready || await FailoverRun.WaitForStandbyAsync(_cluster, "web2", Generous, CancellationToken.None), "web2 is not a ready standby: " + Describe(0));
        Assert.True(
            await _cluster.Observer.WaitForAsync(_ => Roles().LastOrDefault() is { Active: ["web1"] } r &&
                States("web1").LastOrDefault() is { Role: NodeRole.Active } s1 && s1.Epoch == r.Epoch &&
                States("web2").LastOrDefault() is { Role: NodeRole.Standby } s2 && s2.Epoch == r.Epoch &&
                _cluster.Observer.LatestBoard(ClusterConfigs.BoardName)?.Epoch == r.Epoch &&
                // The board's own word on both channels: a member still recovering from the start
                // would turn healthy inside the window, which reads as something that moved.
                _cluster.Observer.LatestReading("web1")?.State == ChannelState.Healthy &&
                (!web2Ready || _cluster.Observer.LatestReading("web2")?.State == ChannelState.Healthy) &&
                _cluster.Overlap!.Changes() is [.., (_, ["web1"])], Generous, CancellationToken.None),
            "the rack is not settled with web1 active and serving, and the board's status at the roles' epoch: " + Describe(0));
        var roles = Roles().Last();
        var board = _cluster.Observer.LatestBoard(ClusterConfigs.BoardName)!;
        // Every window runs from the baseline's millisecond on, inclusive: a message received in
        // that same millisecond before the baseline would read as an answer to what follows (the
        // agent's acknowledgement of the command a test had just sent once did). So the baseline
        // is a millisecond the wall clock reaches only after the last message already received;
        // whatever a sender stamped before sending it is earlier still.
        long last;
        lock (_gate)
        {
            last = _seen.Count > 0 ? _seen[^1].AtMs : 0;
        }

        long wallMs;
        while ((wallMs = Now()) <= last)
        {
            await Task.Delay(1);
        }

        var baseline = new Baseline(roles.Epoch, board.Epoch, wallMs, _cluster.Clock.NowMs);
        _output.WriteLine($"before: roles web@{roles.Epoch} active=[{string.Join(",", roles.Active)}], board epoch {board.Epoch}");
        return baseline;
    }

    /// <summary>
    /// Waits for the event that refuses a forgery or replay: its kind and source, and the words of
    /// its detail (what was refused and the reason word); its severity asserted when given.
    /// </summary>
    public async Task<Refusal> RefusalAsync(Baseline before, string source, string kind, string[] words, Severity? severity = null, string? node = null)
    {
        EventMessage? found = null;
        bool Matches(EventMessage e) =>
            e.Source == source && e.Kind == kind && (node is null || e.Node == node) && words.All(w => e.Detail.Contains(w, StringComparison.Ordinal));
        Assert.True(
            await _cluster.Observer.WaitForAsync(o => (found = o.Events(before.WallMs).FirstOrDefault(Matches)) is not null, Generous, CancellationToken.None),
            $"no {kind} event from {source}{(node is null ? "" : " about " + node)} saying '{string.Join("', '", words)}': " + Describe(before.WallMs));
        var clock = _cluster.Clock.NowMs;
        _output.WriteLine($"refused {found!.Timestamp - before.WallMs} ms after the baseline: {found.Source} {found.Kind} {WireWords.Of(found.Severity)} node '{found.Node}': {found.Detail}");
        if (severity is { } expected)
        {
            Assert.Equal(expected, found.Severity);
        }

        return new Refusal(found, clock);
    }

    /// <summary>The refusal of an unauthenticated message: "&lt;what&gt; on &lt;topic&gt;: &lt;reason&gt;: ...", an alert.</summary>
    public Task<Refusal> UnauthenticatedAsync(Baseline before, string source, string what, string topic, string reason, string? node = null) =>
        RefusalAsync(before, source, Unauthenticated, [what + " on " + topic + ": " + reason + ": "], Severity.Alert, node);

    /// <summary>
    /// After the refusal, waits for proof that the rack went on as before (a genuine state from
    /// each agent and a board status stamped after the refusal, and the virtual IP answering from
    /// web1 after it), then checks the whole window from the baseline: roles and epochs unchanged,
    /// web1 the only holder of the virtual IP all along, every probe answered by web1, no wire
    /// action and no event of a move. <paramref name="restarted"/>: a node whose agent the test
    /// itself killed in the window; the board's reset of it, its channel's states and its agent's
    /// return to standby are that restart's, not the forgery's, and it need only not be active.
    /// </summary>
    public async Task AssertNothingMovedAsync(Baseline before, Refusal refusal, string? restarted = null)
    {
        long after = refusal.Event.Timestamp;
        bool web1Said = false, web2Said = false, boardSaid = false, answered = false;
        Assert.True(
            await _cluster.Observer.WaitForAsync(o =>
                (web1Said = States("web1").Any(s => s.Timestamp > after)) & (web2Said = States("web2").Any(s => s.Timestamp > after)) &
                (boardSaid = o.LatestBoard(ClusterConfigs.BoardName) is { } b && b.Timestamp > after) &
                (answered = _cluster.Probe!.Snapshot().Any(p => p.StartMs >= refusal.ClockMs && p.Node == "web1")), Generous, CancellationToken.None),
            $"after the refusal: a genuine state from web1 {web1Said}, from web2 {web2Said}, a board status {boardSaid}, the VIP answered by web1 {answered}: " + Describe(before.WallMs));
        double endMs = _cluster.Clock.NowMs;

        var roles = Roles(before.WallMs);
        var latest = Roles().Last();
        Assert.True(
            roles.All(r => r.Epoch == before.Epoch && r.Active.SequenceEqual(["web1"])) && latest.Epoch == before.Epoch && latest.Active.SequenceEqual(["web1"]),
            $"the board's roles moved from web@{before.Epoch} [web1]: " + string.Join("; ", roles.Select(r => $"web@{r.Epoch} [{string.Join(",", r.Active)}] '{r.Reason}'")));
        var board = _cluster.Observer.LatestBoard(ClusterConfigs.BoardName)!;
        Assert.True(board.Epoch == before.BoardEpoch, $"the board's epoch moved from {before.BoardEpoch} to {board.Epoch}");
        var web1 = States("web1").Last();
        var web2 = States("web2").Last();
        // A restarted agent whose retained grant was replaced holds no grant: it must just not be active.
        bool web2Fine = restarted == "web2" ? web2.Role != NodeRole.Active : web2.Role == NodeRole.Standby && web2.Epoch == before.Epoch;
        Assert.True(web1.Role == NodeRole.Active && web1.Epoch == before.Epoch && web2Fine,
            $"the agents say web1 {WireWords.Of(web1.Role)}@{web1.Epoch}, web2 {WireWords.Of(web2.Role)}@{web2.Epoch}; expected active and standby at {before.Epoch}");
        var claims = States("web2", before.WallMs).Where(s => s.Role == NodeRole.Active).ToList();
        Assert.True(claims.Count == 0, "web2 claimed active: " + string.Join("; ", claims.Select(s => $"{s.Timestamp - before.WallMs} ms active@{s.Epoch}")));

        AssertVipStayedWithWeb1(before.ClockMs, endMs);
        var wire = _cluster.Rack.Timeline.Snapshot().Where(e => e.Kind == TimelineKind.Relay && e.AtMs >= before.ClockMs && e.Subject != restarted).ToList();
        Assert.True(wire.Count == 0, "the board drove relays: " + string.Join("; ", wire));
        bool Restart(EventMessage e) =>
            e.Node == restarted && (e.Kind.StartsWith("state-", StringComparison.Ordinal) || e.Kind is "failure" or "reset-pulse" ||
                                    (e.Kind == "role-changed" && e.Detail.StartsWith("none -> standby", StringComparison.Ordinal)));
        // A heartbeat judged late on a loaded machine (suspect, then healthy again) is the wires'
        // doing, not a message's; every other change of a channel's state counts as a move.
        bool Wires(EventMessage e) => e.Kind is "state-suspect" or "state-healthy";
        var moves = _cluster.Observer.Events(before.WallMs).Where(e => ((e.Kind.StartsWith("state-", StringComparison.Ordinal) && !Wires(e)) || Moves.Contains(e.Kind)) && !Restart(e)).ToList();
        Assert.True(moves.Count == 0, "something moved: " + string.Join("; ", moves.Select(e => $"{e.Source} {e.Kind} {e.Node}: {e.Detail}")));
        _output.WriteLine($"nothing moved in {endMs - before.ClockMs:0} ms from the baseline to the last proof ({Probes(before.ClockMs, endMs).Count} probes, all answered by web1)");
    }

    /// <summary>web1 held the virtual IP alone, running, from <paramref name="fromMs"/> to <paramref name="toMs"/>, and answered every probe.</summary>
    private void AssertVipStayedWithWeb1(double fromMs, double toMs)
    {
        var changes = _cluster.Overlap!.Changes();
        var atStart = changes.LastOrDefault(c => c.AtMs <= fromMs).Acting ?? [];
        var during = changes.Where(c => c.AtMs > fromMs && c.AtMs <= toMs).ToList();
        Assert.True(atStart.SequenceEqual(["web1"]) && during.Count == 0,
            $"who acts as active (holds the VIP, running) moved: [{string.Join(",", atStart)}] at the start, then " + string.Join("; ", during.Select(c => $"{c.AtMs - fromMs:0} ms [{string.Join(",", c.Acting)}]")));
        Assert.Equal(0, _cluster.Overlap.OverlapMs(fromMs, toMs));
        var probes = Probes(fromMs, toMs);
        var wrong = probes.Where(p => p.Node != "web1").ToList();
        Assert.True(probes.Count > 0 && wrong.Count == 0,
            $"{wrong.Count} of {probes.Count} probes of the VIP were not answered by web1: " + string.Join("; ", wrong.Take(10).Select(p => $"{p.StartMs - fromMs:0} ms {p.Node ?? p.Failure.ToString()}")));
    }

    // Probes that started in the window and had their full timeout to finish within it.
    private List<Watchdog.Bench.Probe.ProbeSample> Probes(double fromMs, double toMs) =>
        _cluster.Probe!.Snapshot().Where(p => p.StartMs >= fromMs && p.EndMs <= toMs).ToList();

    public string Describe(long sinceMs) =>
        FailoverRun.Describe(_cluster, "web1") + "\n" + FailoverRun.Describe(_cluster, "web2") +
        $"\ngenuine roles: {string.Join("; ", Roles(sinceMs).Select(r => $"web@{r.Epoch} [{string.Join(",", r.Active)}]"))}" +
        $"\nboard epoch: {_cluster.Observer.LatestBoard(ClusterConfigs.BoardName)?.Epoch}" +
        "\nevents:\n" + string.Join('\n', _cluster.Observer.Events(sinceMs).Select(e => $"{e.Timestamp - sinceMs} ms {e.Source} {e.Kind} {e.Node}: {e.Detail}"));

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}

/// <summary>The rack before a forgery: the roles' and the board's epoch, and when (wall clock and the rack's clock).</summary>
internal sealed record Baseline(long Epoch, long BoardEpoch, long WallMs, double ClockMs);

/// <summary>The event that refused a forgery, and the rack's clock when it had arrived.</summary>
internal sealed record Refusal(EventMessage Event, double ClockMs);
