using Watchdog.Bench.Keepalived;
using Watchdog.Lab.Peers;

namespace Watchdog.Lab.Tests.Faults;

/// <summary>The catalogue is the one place a fault is named: every name and alias means one fault, and a peer's counterpart carries the catalogue's name.</summary>
public sealed class FaultCatalogueTests
{
    [Fact]
    public void Every_name_and_alias_parses_to_one_fault()
    {
        var words = FaultCatalogue.All.SelectMany(f => f.Aliases.Prepend(f.Name)).ToList();
        Assert.Equal(words.Count, words.Distinct(StringComparer.Ordinal).Count());
        foreach (var fault in FaultCatalogue.All)
        {
            Assert.Same(fault, FaultCatalogue.Parse(fault.Name));
            Assert.All(fault.Aliases, alias => Assert.Same(fault, FaultCatalogue.Parse(alias)));
        }

        Assert.Contains("link-flap", Assert.Throws<FormatException>(() => FaultCatalogue.Parse("meteor")).Message);
    }

    [Fact]
    public void The_same_faults_under_their_older_names()
    {
        Assert.Same(FaultCatalogue.AgentCrash, FaultCatalogue.Parse("agent-dies"));
        Assert.Same(FaultCatalogue.AgentCrash, FaultCatalogue.Parse("kill-9"));
        Assert.Same(FaultCatalogue.Hang, FaultCatalogue.Parse("freeze"));
        Assert.Same(FaultCatalogue.PowerLoss, FaultCatalogue.Parse("power"));
        Assert.Same(FaultCatalogue.LinkLoss, FaultCatalogue.Parse("link"));
    }

    [Fact]
    public void The_chaos_order_is_kept_so_seeded_schedules_do_not_change()
    {
        Assert.Equal(
            ["agent-crash", "hang", "power-loss", "link-loss", "broker-loss", "board-restart", "switchover", "partition", "link-flap"],
            FaultCatalogue.All.Select(f => f.Name));
        Assert.Equal(["agent-crash", "hang", "power-loss", "link-loss"], FaultCatalogue.Demo.Select(f => f.Name));
    }

    [Fact]
    public void A_keepalived_counterpart_has_the_catalogue_name_and_every_keepalived_fault_has_an_entry()
    {
        foreach (var fault in FaultCatalogue.All.Where(f => f.Keepalived is not null))
        {
            Assert.Equal(fault.Name, fault.Keepalived!.Name);
        }

        Assert.Equal(
            KeepalivedFaults.All.Select(f => f.Name).Order(StringComparer.Ordinal),
            FaultCatalogue.All.Where(f => f.Keepalived is not null).Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal("keepalived", PeerSystems.Parse("keepalived").Name);
        Assert.Throws<FormatException>(() => PeerSystems.Parse("pacemaker"));
    }
}
