using System.Text.Json.Nodes;
using Watchdog.Sites.Config;
using Watchdog.Testing;
using static Watchdog.Sites.Tests.Config.DrConfigSamples;

namespace Watchdog.Sites.Tests.Config;

/// <summary>Reading the file: shapes, types, unknown fields, and every problem reported at once.</summary>
public sealed class DrConfigLoaderTests
{
    [Fact]
    public void The_sample_loads_with_every_value_kept()
    {
        var load = DrConfigLoader.Parse(Valid);
        Assert.True(load.Ok, string.Join("\n", load.Errors));
        var c = load.Config!;
        Assert.Equal("lab", c.Cluster);
        Assert.Equal(["east", "west", "arbiter"], c.EtcdMembers.Select(m => m.Site));
        Assert.True(c.Site("arbiter").Arbiter);
        Assert.Equal("10.0.2.1:1883", c.Site("west").Broker);
        var g = Assert.Single(c.DrGroups);
        Assert.Equal(new TicketTiming(10000, 5000, 5000, 4000), g.Ticket);
        Assert.Equal((Replication.Sync, StandbySite.Running, FailoverMode.Automatic), (g.Replication, g.StandbySite, g.Failover));
        Assert.Equal(new Objectives(60000, 0), g.Objectives);
    }

    [Fact]
    public void The_example_file_in_the_repository_is_valid()
    {
        var load = DrConfigLoader.Load(Repository.Path("host", "Watchdog.Sites", "dr.example.json"));
        Assert.True(load.Ok, string.Join("\n", load.Errors));
        Assert.Contains(load.Config!.DrGroups, g => g.Failover == FailoverMode.Automatic);
    }

    [Fact]
    public void An_absent_ticket_and_board_group_take_their_documented_defaults()
    {
        var root = Node();
        Group(root).Remove("ticket");
        Group(root).Remove("group");
        var g = Load(root).Config!.DrGroups[0];
        Assert.Equal(TicketTiming.Default, g.Ticket);
        Assert.Equal("db", g.Group);
    }

    [Fact]
    public void Ticket_timings_per_site_name_the_other_site_and_put_the_sites_own_etcd_member_first()
    {
        var c = DrConfigLoader.Parse(Valid).Config!;
        var west = Assert.Single(c.TicketTimingsFor("west"));
        Assert.Equal(("db", "db", 1, "east"), (west.DrGroup, west.BoardGroup, west.Rank, west.OtherSite));
        Assert.Equal((10000, 5000, 5000, 4000, 6000), (west.LeaseMs, west.RenewMs, west.AcquireAfterMs, west.StopMarginMs, west.GiveUpAfterMs));
        Assert.Equal("http://10.0.2.10:2379", west.EtcdEndpoints[0]);
        Assert.Equal(3, west.EtcdEndpoints.Count);
        Assert.Equal(0, Assert.Single(c.TicketTimingsFor("east")).Rank);
        Assert.Empty(c.TicketTimingsFor("arbiter"));
        var ex = Assert.Throws<ArgumentException>(() => c.TicketTimingsFor("north"));
        Assert.Contains("no site 'north'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Derived_timings_follow_from_the_ticket()
    {
        var t = new TicketTiming(10000, 5000, 5000, 4000);
        Assert.Equal(6000, t.GiveUpAfterMs);
        Assert.Equal(6000 + DrConfigRules.BoardStopMs, t.ActiveStoppedByMs);
        Assert.Equal(15000, t.EarliestTakeoverMs);
        Assert.Equal(15000 - 6000 - DrConfigRules.BoardStopMs, t.SafetyGapMs);
        Assert.Equal(15000, t.MinSiteRtoMs);
        Assert.Equal(10000, t.BestSiteRtoMs);
    }

    [Fact]
    public void Invalid_json_says_where()
    {
        var load = DrConfigLoader.Parse("{\"cluster\": \"lab\",\n \"etcd\": }");
        var error = Assert.Single(load.Errors);
        Assert.StartsWith("not valid JSON (line 2, byte ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Single(DrConfigLoader.Load("/nonexistent/dr.json").Errors);
        Assert.StartsWith("/nonexistent/dr.json: cannot be read", error, StringComparison.Ordinal);
    }

    public static TheoryData<string, Action<JsonObject>, string> ShapeCases => new()
    {
        { "unknown top-level field", r => r["site"] = "east", "site: unknown field (known here: cluster, etcd, sites, dr_groups)" },
        { "unknown ticket field", r => Ticket(r)["lease"] = 10, "dr_groups[0].ticket.lease: unknown field (known here: lease_ms, renew_ms, acquire_after_ms, stop_margin_ms)" },
        { "unknown site field", r => r["sites"]![1]!["colour"] = "red", "sites[1].colour: unknown field" },
        { "unknown member field", r => r["etcd"]!["members"]![2]!["peer_url"] = "x", "etcd.members[2].peer_url: unknown field" },
        { "missing cluster", r => r.Remove("cluster"), "cluster: is missing" },
        { "missing objectives", r => Group(r).Remove("objectives"), "dr_groups[0].objectives: is missing" },
        { "missing rto", r => Group(r)["objectives"]!.AsObject().Remove("rto_ms"), "dr_groups[0].objectives.rto_ms: is missing" },
        { "string for a number", r => Ticket(r)["lease_ms"] = "10s", "dr_groups[0].ticket.lease_ms: must be a whole number (milliseconds), not the string \"10s\"" },
        { "fraction", r => Ticket(r)["renew_ms"] = 2.5, "dr_groups[0].ticket.renew_ms: must be a whole number (milliseconds), not the number 2.5" },
        { "negative", r => Ticket(r)["acquire_after_ms"] = -1, "dr_groups[0].ticket.acquire_after_ms: -1 is negative" },
        { "unknown word", r => Group(r)["replication"] = "semi-sync", "dr_groups[0].replication: 'semi-sync' is not one of sync, async, log-shipping, backup, none" },
        { "standby word", r => Group(r)["standby_site"] = "hot", "dr_groups[0].standby_site: 'hot' is not one of running, provisioned, none" },
        { "failover word", r => Group(r)["failover"] = "auto", "dr_groups[0].failover: 'auto' is not one of automatic, manual" },
        { "not an object", r => r["etcd"] = new JsonArray(), "etcd: must be an object, not an array" },
        { "not an array", r => r["sites"] = "east", "sites: must be an array, not the string \"east\"" },
        { "bad name", r => r["cluster"] = "lab/1", "cluster: 'lab/1' must be at most 64 characters without '/', '+', '#', spaces" },
        { "arbiter not bool", r => r["sites"]![2]!["arbiter"] = "yes", "sites[2].arbiter: must be true or false, not the string \"yes\"" },
        { "site not a string", r => Group(r)["sites"]![1] = 7, "dr_groups[0].sites[1]: must be a site name (a string)" },
        { "board not a string", r => r["sites"]![0]!["boards"]![0] = true, "sites[0].boards[0]: must be a board name (a string)" },
        { "group not an object", r => r["dr_groups"]![0] = "db", "dr_groups[0]: must be an object, not the string \"db\"" },
        { "empty string", r => r["sites"]![0]!["broker"] = "", "sites[0].broker: is empty" },
    };

    [Theory]
    [MemberData(nameof(ShapeCases))]
    public void A_field_of_the_wrong_shape_is_named_with_its_path(string what, Action<JsonObject> change, string expected)
    {
        var errors = Errors(change);
        Assert.True(errors.Count == 1, string.Join("\n", errors));
        var error = errors[0];
        Assert.True(error.StartsWith(expected, StringComparison.Ordinal), $"{what}: expected '{expected}', got '{error}'");
    }

    [Fact]
    public void Several_problems_are_all_reported_and_a_bad_element_keeps_the_later_indices()
    {
        var errors = Errors(r =>
        {
            r["sites"]![0] = 5;
            r["sites"]![1]!["colour"] = "red";
            Ticket(r)["renew_ms"] = 6000;
            Ticket(r)["acquire_after_ms"] = 0;
            Group(r)["replication"] = "semi-sync";
            r["etcd"]!["members"]![0] = "east";
            r["etcd"]!["members"]![2]!["endpoint"] = "10.0.3.10:2379";
        });
        Assert.Equal(
            [
                "etcd.members[0]: must be an object, not the string \"east\"",
                "sites[0]: must be an object, not the number 5",
                "sites[1].colour: unknown field (known here: name, broker, boards, arbiter)",
                "dr_groups[0].replication: 'semi-sync' is not one of sync, async, log-shipping, backup, none",
            ],
            errors.Take(4));
        // The unreadable member stays in place, so the third member is still called [2].
        Assert.Contains(errors, e => e.StartsWith("etcd.members[2].endpoint: '10.0.3.10:2379' is not an etcd client URL", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("dr_groups[0].ticket.renew_ms: 6000 is more than half", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("dr_groups[0].ticket.acquire_after_ms: is 0", StringComparison.Ordinal));
        // sites[0] was unreadable: rules that look sites up stay quiet rather than blame 'east' on every line.
        Assert.DoesNotContain(errors, e => e.Contains("'east' is not a site", StringComparison.Ordinal));
        // renew_ms 6000 breaks two rules (over half the lease; with the margin it reaches the lease): both are said.
        Assert.True(errors.Count == 8, string.Join("\n", errors));
        Assert.Equal(errors.Count, errors.Distinct().Count());
    }
}
