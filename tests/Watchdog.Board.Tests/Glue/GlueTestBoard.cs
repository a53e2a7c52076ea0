using System.Text;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Signing;

namespace Watchdog.Board.Tests.Glue;

/// <summary>
/// The board the glue tests drive without a broker: its name, its cluster's topic tree, and a core
/// built from its config the way the board builds it.
/// </summary>
public abstract class GlueTestBoard
{
    protected const string Board = "rack-a";
    protected static readonly TopicTree Topics = new("itest");

    /// <summary>A core for this board with the given channels and groups (JSON arrays), checking commands against ring.</summary>
    protected static WatchdogCore Core(string channels, string groups, KeyRing ring)
    {
        byte[] json = Encoding.ASCII.GetBytes("{\"board\":\"" + Board + "\",\"cluster\":\"itest\",\"channels\":" + channels + ",\"groups\":" + groups + "}");
        Assert.True(BoardConfigReader.TryRead(json, out BoardConfig? config, out string error), error);
        return new WatchdogCore(config!, 0, new ProtocolCommandVerifier(ring, new PortableHmacSha256(), 8, 1000));
    }
}
