using System.Text.Json.Nodes;
using Watchdog.Sites.Config;
using static Watchdog.Sites.Tests.Config.DrConfigSamples;

namespace Watchdog.Sites.Tests.Config;

/// <summary>Each rule of <see cref="DrConfigRules"/>: the one error it gives, starting with the exact path.</summary>
public sealed class DrConfigRulesTests
{
    private static JsonObject Site(JsonObject r, int i) => r["sites"]![i]!.AsObject();

    private static JsonArray Members(JsonObject r) => r["etcd"]!["members"]!.AsArray();

    private static JsonObject SecondGroup(JsonObject r, string name, string replication, string standby, string failover, int rto, int rpo)
    {
        var g = new JsonObject
        {
            ["name"] = name, ["sites"] = new JsonArray("west", "east"), ["replication"] = replication, ["standby_site"] = standby,
            ["failover"] = failover, ["objectives"] = new JsonObject { ["rto_ms"] = rto, ["rpo_ms"] = rpo },
        };
        r["dr_groups"]!.AsArray().Add(g);
        return g;
    }

    public static TheoryData<string, Action<JsonObject>, string> RuleCases => new()
    {
        // Ticket timings (booth's rules).
        { "renew over half the lease", r => Ticket(r)["renew_ms"] = 5001,
            "dr_groups[0].ticket.renew_ms: 5001 is more than half of lease_ms 10000; the holder renews at half the lease at most (booth's rule) so one lost renewal is survived" },
        { "renew zero", r => Ticket(r)["renew_ms"] = 0, "dr_groups[0].ticket.renew_ms: is 0: the holder must renew now and then" },
        { "margin plus renew reaches the lease", r => { Ticket(r)["lease_ms"] = 8000; Ticket(r)["renew_ms"] = 4000; },
            "dr_groups[0].ticket.stop_margin_ms: stop_margin_ms 4000 + renew_ms 4000 = 8000 is not less than lease_ms 8000: the holder gives up at lease - stop_margin (4000 ms after its last renewal)" },
        { "margin under the board's stop time", r => Ticket(r)["stop_margin_ms"] = 3499,
            "dr_groups[0].ticket.stop_margin_ms: 3499 is less than 3500: the board needs that long to take the active down" },
        { "acquire-after zero", r => Ticket(r)["acquire_after_ms"] = 0,
            "dr_groups[0].ticket.acquire_after_ms: is 0: the other site must wait after the lease expired, to cover a difference in clock rates and a holder slow to stop" },
        { "lease not whole seconds", r => Ticket(r)["lease_ms"] = 10500, "dr_groups[0].ticket.lease_ms: 10500 is not a whole number of seconds of at least 2000: etcd grants leases in whole seconds" },
        { "lease under etcd's minimum", r => { Ticket(r)["lease_ms"] = 1000; Ticket(r)["renew_ms"] = 500; Ticket(r)["stop_margin_ms"] = 3500; },
            "dr_groups[0].ticket.lease_ms: 1000 is not a whole number of seconds of at least 2000" },

        // The vote for automatic failover.
        { "two members", r => Members(r).RemoveAt(2),
            "etcd.members: 2 member(s) on 2 site(s): automatic failover (dr_groups[0]) needs at least 3 members on 3 different sites, one of them an arbiter site" },
        { "three members on two sites", r => Members(r)[2]!["site"] = "east",
            "etcd.members: 3 member(s) on 2 site(s): automatic failover (dr_groups[0]) needs at least 3 members on 3 different sites" },
        { "one site holds half", r => Members(r).Add(new JsonObject { ["site"] = "east", ["endpoint"] = "http://10.0.1.11:2379" }),
            "etcd.members: site 'east' holds 2 of 4 members: losing it leaves 2, less than the majority of 3" },
        { "no arbiter", r => { Site(r, 2)["arbiter"] = false; Site(r, 2)["broker"] = "10.0.3.1:1883"; Site(r, 2)["boards"] = new JsonArray("rack-c"); },
            "etcd.members: no member is at an arbiter site: automatic failover (dr_groups[0]) needs a third site that runs no group" },
        { "DR site without a member", r => { Members(r)[1]!["site"] = "arbiter"; r["sites"]!.AsArray().Add(new JsonObject { ["name"] = "north", ["arbiter"] = true }); Members(r)[2]!["site"] = "north"; },
            "dr_groups[0].sites: site 'west' has no etcd member: with automatic failover each DR site holds one" },

        // Sites.
        { "member at an unknown site", r => Members(r)[2]!["site"] = "north", "etcd.members[2].site: 'north' is not a site (sites: east, west, arbiter)" },
        { "endpoint without a port", r => Members(r)[0]!["endpoint"] = "http://10.0.1.10", "etcd.members[0].endpoint: 'http://10.0.1.10' is not an etcd client URL" },
        { "endpoint twice", r => Members(r)[1]!["endpoint"] = "http://10.0.1.10:2379", "etcd.members[1].endpoint: 'http://10.0.1.10:2379' is already the endpoint of etcd.members[0]" },
        { "no members", r => Members(r).Clear(), "etcd.members: is empty: the site tickets live in etcd" },
        { "site name twice", r => r["sites"]!.AsArray().Add(new JsonObject { ["name"] = "east", ["arbiter"] = true }), "sites[3].name: 'east' is already the name of sites[0]" },
        { "broker not host:port", r => Site(r, 0)["broker"] = "broker-east", "sites[0].broker: 'broker-east' is not host:port" },
        { "site without broker", r => Site(r, 0).Remove("broker"), "sites[0].broker: is missing: a site that runs groups has a broker" },
        { "site without boards", r => Site(r, 1).Remove("boards"), "sites[1].boards: is missing or empty: a site that runs groups has at least one board" },
        { "arbiter with a board", r => Site(r, 2)["boards"] = new JsonArray("rack-c"), "sites[2].boards: an arbiter site runs no board" },
        { "arbiter with a broker", r => Site(r, 2)["broker"] = "10.0.3.1:1883", "sites[2].broker: an arbiter site runs no broker here" },

        // Groups.
        { "no groups", r => r["dr_groups"]!.AsArray().Clear(), "dr_groups: is empty: name at least one DR group" },
        { "group at an unknown site", r => Group(r)["sites"]![1] = "north", "dr_groups[0].sites[1]: 'north' is not a site (sites: east, west, arbiter)" },
        { "group at the arbiter", r => Group(r)["sites"]![1] = "arbiter", "dr_groups[0].sites[1]: 'arbiter' is an arbiter site: it holds a vote, not a group" },
        { "group at three sites", r => Group(r)["sites"]!.AsArray().Add("arbiter"), "dr_groups[0].sites: names 3 site(s): a DR group runs at exactly two sites" },
        { "group at one site twice", r => Group(r)["sites"]![1] = "east", "dr_groups[0].sites: names 'east' twice" },
        { "group name twice", r => SecondGroup(r, "db", "async", "running", "manual", 60000, 1000)["group"] = "db2",
            "dr_groups[1].name: 'db' is already the name of dr_groups[0]" },
        { "board group twice", r => SecondGroup(r, "db2", "async", "running", "manual", 60000, 1000)["group"] = "db",
            "dr_groups[1].group: 'db' is already the board group of dr_groups[0]" },
        { "streaming without a running replica", r => { Group(r)["replication"] = "async"; Group(r)["standby_site"] = "provisioned"; Group(r)["failover"] = "manual"; Group(r)["objectives"]!["rpo_ms"] = 1000; },
            "dr_groups[0].standby_site: is 'provisioned' but replication 'async' streams to a replica that runs at the other site" },
        { "automatic to nothing", r => { Group(r)["replication"] = "log-shipping"; Group(r)["standby_site"] = "none"; Group(r)["objectives"]!["rpo_ms"] = 1000; },
            "dr_groups[0].failover: is 'automatic' but standby_site is 'none'" },
        { "automatic on backups", r => { Group(r)["replication"] = "backup"; Group(r)["standby_site"] = "provisioned"; Group(r)["objectives"]!["rpo_ms"] = 1000; },
            "dr_groups[0].failover: is 'automatic' with replication 'backup': the other site would start on old data" },
        { "zero RPO without sync", r => { Group(r)["replication"] = "async"; },
            "dr_groups[0].objectives.rpo_ms: is 0 but replication is 'async': only synchronous replication loses no committed write" },
        { "RTO under the ticket's floor", r => Group(r)["objectives"]!["rto_ms"] = 14999,
            "dr_groups[0].objectives.rto_ms: 14999 is less than lease_ms + acquire_after_ms (10000 + 5000 = 15000)" },
        { "RTO zero", r => Group(r)["objectives"]!["rto_ms"] = 0, "dr_groups[0].objectives.rto_ms: is 0" },
    };

    [Theory]
    [MemberData(nameof(RuleCases))]
    public void A_broken_rule_gives_one_error_starting_with_its_path(string rule, Action<JsonObject> change, string expected)
    {
        var errors = Errors(change);
        Assert.True(errors.Count == 1, string.Join("\n", errors));
        var error = errors[0];
        Assert.True(error.StartsWith(expected, StringComparison.Ordinal), $"{rule}: expected '{expected}...', got '{error}'");
    }

    [Fact]
    public void Timings_right_at_the_limits_are_accepted()
    {
        // renew exactly half the lease, margin + renew one ms under the lease, margin at its minimum.
        var root = Node();
        Ticket(root)["lease_ms"] = 9000;
        Ticket(root)["renew_ms"] = 4500;
        Ticket(root)["stop_margin_ms"] = DrConfigRules.MinStopMarginMs;
        Ticket(root)["acquire_after_ms"] = 1;
        Group(root)["objectives"]!["rto_ms"] = 9001;
        var load = Load(root);
        Assert.True(load.Ok, string.Join("\n", load.Errors));
        Assert.Equal(4500 + DrConfigRules.MinStopMarginMs < 9000, true);
    }

    [Fact]
    public void Manual_failover_needs_no_arbiter_nor_a_member_at_each_site()
    {
        var root = Node();
        Group(root)["failover"] = "manual";
        Group(root)["objectives"]!["rto_ms"] = 1000;  // no ticket floor: a person decides when
        root["sites"]!.AsArray().RemoveAt(2);
        Members(root).RemoveAt(2);
        Members(root).RemoveAt(1);
        var load = Load(root);
        Assert.True(load.Ok, string.Join("\n", load.Errors));
        Assert.Equal(FailoverMode.Manual, load.Config!.DrGroups[0].Failover);
    }

    [Fact]
    public void Five_members_spread_so_no_site_holds_a_majority_loss_are_accepted()
    {
        var root = Node();
        Members(root).Add(new JsonObject { ["site"] = "east", ["endpoint"] = "http://10.0.1.11:2379" });
        Members(root).Add(new JsonObject { ["site"] = "west", ["endpoint"] = "http://10.0.2.11:2379" });
        var load = Load(root);
        Assert.True(load.Ok, string.Join("\n", load.Errors));
    }
}
