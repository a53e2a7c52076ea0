using System.Net;
using Watchdog.Bench.Keepalived;

namespace Watchdog.Bench.Tests.Keepalived;

public class KeepalivedTuningTests
{
    [Fact]
    public void Tuned_config_uses_vrrp3_and_centisecond_adverts()
    {
        string conf = KeepalivedTuning.Tuned.Render("node-a", initialMaster: true, "eth0", IPAddress.Parse("10.77.0.100"), 24);

        Assert.Contains("vrrp_version 3", conf);
        Assert.Contains("advert_int 0.05", conf);
        Assert.Contains("state MASTER", conf);
        Assert.Contains("priority 150", conf);
        Assert.Contains("10.77.0.100/24 dev eth0", conf);
        Assert.Equal(conf.Count(c => c == '{'), conf.Count(c => c == '}'));
    }

    [Fact]
    public void Defaults_config_is_vrrp2_with_one_second_adverts_and_a_lower_backup_priority()
    {
        string conf = KeepalivedTuning.Defaults.Render("node-b", initialMaster: false, "eth0", IPAddress.Parse("10.77.0.100"), 24);

        Assert.Contains("vrrp_version 2", conf);
        Assert.Contains("advert_int 1", conf);
        Assert.Contains("state BACKUP", conf);
        Assert.Contains("priority 100", conf);
    }

    [Fact]
    public void Sub_second_adverts_without_vrrp3_are_refused()
    {
        var bad = new KeepalivedTuning("bad", 2, 0.1);
        var e = Assert.Throws<InvalidOperationException>(() => bad.Render("n", true, "eth0", IPAddress.Loopback, 8));
        Assert.Contains("vrrp_version 3", e.Message);
    }

    [Fact]
    public void Scenario_names_parse_back_and_unknown_ones_list_the_known()
    {
        foreach (KeepalivedFault fault in KeepalivedFaults.All)
        {
            Assert.Same(fault, KeepalivedFaults.Parse(fault.Name));
        }

        // keepalived's bench named two of them differently before the catalogue did.
        Assert.Same(KeepalivedFaults.DaemonCrash, KeepalivedFaults.Parse("kill-9"));
        Assert.Same(KeepalivedFaults.Hang, KeepalivedFaults.Parse("freeze"));

        var e = Assert.Throws<ArgumentException>(() => KeepalivedFaults.Parse("meteor"));
        Assert.Contains("agent-crash", e.Message);
    }
}
