namespace Watchdog.Sites.Tests;

public class EtcdPackageTests
{
    [Fact]
    public void The_etcd_client_builds_a_lease_request()
    {
        // The client package restores and its request types are the ones the ticket uses.
        var request = new Etcdserverpb.LeaseGrantRequest { TTL = 8 };
        Assert.Equal(8, request.TTL);
    }
}
