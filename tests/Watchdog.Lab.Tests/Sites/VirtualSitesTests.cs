using System.Diagnostics;
using System.Text;
using MQTTnet;
using Watchdog.Cli.Tests.Broker;
using Watchdog.Lab.Sites;
using Watchdog.Lab.Tests.Failover;
using Watchdog.Operator.Broker;
using Watchdog.Protocol.Topics;
using Watchdog.Testing;

namespace Watchdog.Lab.Tests.Sites;

/// <summary>
/// Two sites on one machine (<see cref="VirtualSites"/>): both settle with an active of their own;
/// each broker carries the other site's status and events through the bridges but never its
/// grants; the peer's bridge user may write nothing else; a cut of the link between the brokers
/// stops the bridges and a mend starts them again.
/// </summary>
[Collection("rack")]
public sealed class VirtualSitesTests(ITestOutputHelper output)
{
    private const string Why = "two racks in network namespaces, and nft to cut the link between their brokers";

    /// <summary>Loose: two racks on a loaded 2-core machine.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    /// <summary>A bridge notices a dead link within about two keepalives (5 s in the lab) and reconnects within its back-off (1-3 s): 30 s is loose.</summary>
    private static readonly TimeSpan BridgeTurn = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(15);

    [RootFact(Why, "mosquitto", "nft")]
    public async Task Both_sites_settle_and_each_broker_carries_the_others_status_but_not_its_grants()
    {
        await using var sites = await StartAsync();
        foreach (RackCluster site in new[] { sites.East, sites.West })
        {
            Assert.True(await site.WaitUntilSettledAsync(null, Settle, CancellationToken.None), $"site {site.Options.Cluster} did not settle");
            string[] active = site.Observer.LatestRoles(site.Options.Group)!.Active;
            output.WriteLine($"site {site.Options.Cluster}: {string.Join(", ", active)} active");
            Assert.Single(active);
            Assert.Contains(active[0], site.Options.Nodes);
        }

        var east = new TopicTree(VirtualSites.EastName);
        var west = new TopicTree(VirtualSites.WestName);
        await using var eastOperator = await LoginAsync(sites.East, sites.East.BrokerUsers!.Operator);
        await using var westOperator = await LoginAsync(sites.West, sites.West.BrokerUsers!.Operator);
        foreach (BrokerClient watcher in new[] { eastOperator, westOperator })
        {
            await watcher.SubscribeAsync(east.Everything());
            await watcher.SubscribeAsync(west.Everything());
        }

        // Status published at one site is read at the other, both ways: each group's roles as its
        // board retained them, and a fresh event from one of its agents.
        foreach (var (from, fromWatcher, toWatcher) in new[] { (sites.East, eastOperator, westOperator), (sites.West, westOperator, eastOperator) })
        {
            var t = new TopicTree(from.Options.Cluster);
            string roles = await LatestAsync(fromWatcher, t.GroupRoles(from.Options.Group));
            await toWatcher.WaitForAsync(t.GroupRoles(from.Options.Group), roles, Delivery);

            string node = from.Options.Nodes[0];
            await using var agent = await LoginAsync(from, from.BrokerUsers!.Agent(node));
            string probe = ProbeEvent(node, "status-" + from.Options.Cluster);
            Assert.Equal(MqttClientPublishReasonCode.Success, await agent.PublishAsync(t.Event(node), probe));
            await toWatcher.WaitForAsync(t.Event(node), probe, Delivery);
            output.WriteLine($"{from.Options.Cluster}'s roles and an event of {node} read at the other site");
        }

        // A grant of east published on east (its board's own, sent again by its board's user),
        // then an event on the same connection: one publisher's messages cross the bridge in
        // order, so once the event is at west the grant would be there before it.
        string eastActive = sites.East.Observer.LatestRoles(sites.East.Options.Group)!.Active[0];
        string grant = await LatestAsync(eastOperator, east.NodeGrant(eastActive));
        await using (var board = await LoginAsync(sites.East, sites.East.BrokerUsers.Board(ClusterConfigs.BoardName)))
        {
            Assert.Equal(MqttClientPublishReasonCode.Success, await board.PublishAsync(east.NodeGrant(eastActive), grant));
            string after = ProbeEvent(ClusterConfigs.BoardName, "after-grant");
            Assert.Equal(MqttClientPublishReasonCode.Success, await board.PublishAsync(east.Event(ClusterConfigs.BoardName), after));
            await westOperator.WaitForAsync(east.Event(ClusterConfigs.BoardName), after, Delivery);
        }

        Assert.Contains(eastOperator.Seen, m => m.Topic == east.NodeGrant(eastActive));
        Assert.DoesNotContain(westOperator.Seen, m => IsSealedForOneSite(east, m.Topic));
        Assert.DoesNotContain(eastOperator.Seen, m => IsSealedForOneSite(west, m.Topic));

        // And were a peer's bridge configured to send more, west's broker takes from east's bridge
        // user east's status and events alone: no grant, nothing of west's own tree.
        await using var eastBridge = await LoginAsync(sites.West, sites.West.BrokerUsers.Bridge(VirtualSites.EastName));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await eastBridge.PublishAsync(east.NodeGrant(eastActive), grant));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await eastBridge.PublishAsync(east.Command(sites.East.Options.Group), "{}"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await eastBridge.PublishAsync(west.NodeStatus(sites.West.Options.Nodes[0]), "lost"));
        Assert.Equal(MqttClientPublishReasonCode.Success, await eastBridge.PublishAsync(east.Event(eastActive), ProbeEvent(eastActive, "bridge-user")));
    }

    [RootFact(Why, "mosquitto", "nft")]
    public async Task A_cut_link_stops_both_bridges_and_a_mended_one_carries_again()
    {
        await using var sites = await StartAsync();
        var east = new TopicTree(VirtualSites.EastName);
        string node = sites.East.Options.Nodes[0];
        await using var westOperator = await LoginAsync(sites.West, sites.West.BrokerUsers!.Operator);
        await westOperator.SubscribeAsync(east.Everything());
        await using var agent = await LoginAsync(sites.East, sites.East.BrokerUsers!.Agent(node));
        await WaitForBridgesAsync(sites, "1", "up at the start");

        string before = ProbeEvent(node, "before-cut");
        Assert.Equal(MqttClientPublishReasonCode.Success, await agent.PublishAsync(east.Event(node), before));
        await westOperator.WaitForAsync(east.Event(node), before, Delivery);

        var clock = Stopwatch.StartNew();
        sites.CutLink();
        await WaitForBridgesAsync(sites, "0", "down after the cut");
        output.WriteLine($"both brokers had lost the other's bridge {clock.ElapsedMilliseconds} ms after the cut (keepalive 5 s)");

        // Nothing crosses a cut link: an event published now is not at west a while later.
        string during = ProbeEvent(node, "during-cut");
        Assert.Equal(MqttClientPublishReasonCode.Success, await agent.PublishAsync(east.Event(node), during));
        await Assert.ThrowsAsync<TimeoutException>(() => westOperator.WaitForAsync(east.Event(node), during, TimeSpan.FromSeconds(3)));

        clock.Restart();
        sites.MendLink();
        await WaitForBridgesAsync(sites, "1", "up after the mend");
        output.WriteLine($"both bridges were in again {clock.ElapsedMilliseconds} ms after the mend");

        string after = ProbeEvent(node, "after-mend");
        Assert.Equal(MqttClientPublishReasonCode.Success, await agent.PublishAsync(east.Event(node), after));
        await westOperator.WaitForAsync(east.Event(node), after, Delivery);

        // The event of the cut usually arrives too (the bridge's kept session, QoS 1), but not
        // always: west says the link is lost when east's bridge went silent, and east's own bridge
        // may not know yet (mosquitto never says "0" on the bridge's own broker), so the event can
        // go into the dead connection and be lost with it (seen once in a full test run). Reported,
        // not asserted; docs/operations.md says so.
        output.WriteLine(westOperator.Seen.Any(m => m.Payload == during)
            ? "the event published during the cut arrived after the mend"
            : "the event published during the cut did not arrive (lost with the connection the cut killed, which docs/operations.md says can happen)");
    }

    private async Task<VirtualSites> StartAsync()
    {
        var clock = Stopwatch.StartNew();
        var sites = await VirtualSites.StartAsync(new VirtualSitesOptions { Log = new RackClusterFixture.OutputWriter(output) }, CancellationToken.None);
        output.WriteLine($"both sites started in {clock.ElapsedMilliseconds} ms");
        return sites;
    }

    /// <summary>
    /// Waits until each broker says <paramref name="word"/> of the other site's bridge ("1": it
    /// came in, "0": its will, the broker lost it). Logged in afresh, so a word said before this
    /// call only counts while it is still the retained one.
    /// </summary>
    private async Task WaitForBridgesAsync(VirtualSites sites, string word, string when)
    {
        var clock = Stopwatch.StartNew();
        foreach (RackCluster site in new[] { sites.East, sites.West })
        {
            await using var watcher = await LoginAsync(site, site.BrokerUsers!.Operator);
            await watcher.SubscribeAsync(BrokerBridge.AllStateTopics);
            string topic = BrokerBridge.StateTopic(VirtualSites.PeerOf(site.Options.Cluster));
            try
            {
                await watcher.WaitForAsync(topic, word, BridgeTurn - clock.Elapsed);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{site.Options.Cluster}'s broker did not say the other site's bridge was {when} within {clock.ElapsedMilliseconds} ms; its log:\n" +
                                           RackClusterFixture.Tail(site.BrokerLog ?? ""), e);
            }
        }
    }

    /// <summary>The retained message on <paramref name="topic"/> (the watcher subscribed to it): what the site's broker holds now.</summary>
    private static Task<string> LatestAsync(BrokerClient watcher, string topic) =>
        watcher.WaitForAsync(topic, _ => true, "retained message", Delivery);

    private static bool IsSealedForOneSite(TopicTree tree, string topic) =>
        tree.TryParse(topic, out ParsedTopic? parsed) &&
        parsed!.Kind is TopicKind.NodeGrant or TopicKind.NodeGrantAck or TopicKind.NodeRequest or TopicKind.Command or TopicKind.CommandAck;

    private static string ProbeEvent(string source, string mark) => Encoding.UTF8.GetString(MessageCodec.Encode(new EventMessage
    {
        Source = source,
        Kind = "site-probe",
        Severity = Severity.Info,
        Detail = mark + "-" + Guid.NewGuid().ToString("N")[..8],
        Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
    }));

    private static async Task<BrokerClient> LoginAsync(RackCluster site, BrokerLogin login)
    {
        var client = await BrokerClient.ConnectAsync(site.BrokerHost, site.BrokerPort, login.User, login.Password());
        Assert.True(client.Result == MqttClientConnectResultCode.Success, $"{login.User} at {site.Options.Cluster}: {client.Result}");
        return client;
    }
}
