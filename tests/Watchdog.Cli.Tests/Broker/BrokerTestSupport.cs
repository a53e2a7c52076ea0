using System.Net;
using System.Net.Sockets;
using System.Text;
using Watchdog.Firmware.Core.Config;

namespace Watchdog.Cli.Tests.Broker;

/// <summary>Board configurations, a scratch directory and a free port for the broker tests.</summary>
internal static class BrokerTestSupport
{
    /// <summary>A board configuration the board itself accepts, with one channel per node (channel names s1, s2, ...) and one group of them.</summary>
    public static string BoardJson(string cluster, string board, string group, params string[] nodes)
    {
        string channels = string.Join(",", nodes.Select((n, i) => $$"""{"name":"s{{i + 1}}","node":"{{n}}"}"""));
        string members = string.Join(",", nodes.Select(n => $"\"{n}\""));
        string json = $$"""{"board":"{{board}}","cluster":"{{cluster}}","channels":[{{channels}}],"groups":[{"name":"{{group}}","mode":"active-standby","members":[{{members}}],"failback":"manual"}]}""";
        Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out string error), error);
        return json;
    }

    public static BrokerPlan Plan(string cluster, IEnumerable<(string Board, string Group, string[] Nodes)> boards, params string[] operators)
    {
        var configs = boards.Select(b =>
        {
            Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(BoardJson(cluster, b.Board, b.Group, b.Nodes)), out BoardConfig? c, out string error), error);
            return ($"{b.Board}.json", c!);
        }).ToList();
        return BrokerPlan.From(configs, operators);
    }

    public static string NewDirectory() => Directory.CreateTempSubdirectory("wd-broker-").FullName;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string Password(string outDir, string user) =>
        File.ReadAllText(Path.Combine(outDir, BrokerConfigWriter.CredentialsDirectory, user + ".password")).TrimEnd('\n');
}
