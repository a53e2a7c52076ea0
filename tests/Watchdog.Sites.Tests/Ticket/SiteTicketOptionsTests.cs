using Watchdog.Sites.Ticket;

namespace Watchdog.Sites.Tests.Ticket;

public class SiteTicketOptionsTests
{
    private static readonly SiteTicketOptions Good = new()
    {
        Cluster = "dr1",
        Ticket = "group-a",
        Site = "east",
        Endpoints = ["http://10.0.0.1:2379"],
        LeaseMs = 10_000,
        RenewMs = 3_000,
        StopMarginMs = 3_000,
        AcquireAfterMs = 3_000,
    };

    [Fact]
    public void Good_options_have_no_errors()
    {
        Assert.Empty(SiteTicketOptions.Validate(Good));
        Assert.Equal("/watchdog/dr1/tickets/group-a/holder", Good.HolderKey);
        Assert.Equal("/watchdog/dr1/tickets/group-a/epoch-ceiling", Good.CeilingKey);
    }

    [Theory]
    [InlineData(10_000, 5_001, 1_000, "RenewMs (5001) must be positive and at most half of LeaseMs (10000)")]
    [InlineData(10_000, 0, 1_000, "RenewMs (0) must be positive")]
    [InlineData(10_000, 5_000, 5_000, "StopMarginMs (5000) + RenewMs (5000) must be less than LeaseMs (10000)")]
    [InlineData(10_000, 3_000, 0, "StopMarginMs (0) must be positive")]
    [InlineData(2_500, 1_000, 500, "LeaseMs (2500) must be a positive multiple of 1000")]
    public void Timing_rules_are_enforced(int lease, int renew, int margin, string expected)
    {
        IReadOnlyList<string> errors = SiteTicketOptions.Validate(Good with { LeaseMs = lease, RenewMs = renew, StopMarginMs = margin });
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_rule_boundaries_are_allowed()
    {
        // Renewal at exactly half, margin + renewal just under the lease, no acquire-after wait.
        Assert.Empty(SiteTicketOptions.Validate(Good with { LeaseMs = 2_000, RenewMs = 1_000, StopMarginMs = 999, AcquireAfterMs = 0, EpochReserve = 2 }));
    }

    [Fact]
    public void Names_endpoints_and_the_reserve_are_checked()
    {
        IReadOnlyList<string> errors = SiteTicketOptions.Validate(Good with
        {
            Cluster = "",
            Ticket = "a/b",
            Site = "east site",
            Endpoints = ["10.0.0.1:2379", "http://ok:2379"],
            AcquireAfterMs = -1,
            EpochReserve = 1,
        });

        Assert.Contains("Cluster must not be empty: it is part of the ticket's etcd keys.", errors);
        Assert.Contains(errors, e => e.StartsWith("Ticket ('a/b') must be one key segment", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Site ('east site') must be one key segment", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Endpoints[0] ('10.0.0.1:2379')", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.StartsWith("Endpoints[1]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("AcquireAfterMs (-1)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("EpochReserve (1)", StringComparison.Ordinal));
        Assert.Equal(6, errors.Count);
    }

    [Fact]
    public void No_endpoints_is_an_error()
    {
        Assert.Contains(SiteTicketOptions.Validate(Good with { Endpoints = [] }), e => e.StartsWith("Endpoints must name at least one", StringComparison.Ordinal));
    }

    [Fact]
    public void The_keeper_refuses_bad_options_with_every_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new SiteTicket(Good with { RenewMs = 6_000, Site = "" }, _ => Task.FromResult(true)));
        Assert.Contains("RenewMs (6000)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Site must not be empty", e.Message, StringComparison.Ordinal);
    }
}
