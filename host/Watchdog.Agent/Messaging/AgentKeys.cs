using Watchdog.Agent.Configuration;
using Watchdog.Platform.Posix;
using Watchdog.Platform.Signing;

namespace Watchdog.Agent.Messaging;

/// <summary>
/// The agent's keys: operator keys verify commands; this node's key seals what it says and the
/// board keys check what it is told (SealedChannel). With no key of this node the agent runs
/// unauthenticated, as before key roles, and says so at start.
/// </summary>
public sealed class AgentKeys
{
    private AgentKeys(KeyRing ring, SealedChannel? seals)
    {
        Ring = ring;
        Seals = seals;
    }

    public KeyRing Ring { get; }

    /// <summary>Null when the key file holds no key of this node: grants and requests are then taken unsealed.</summary>
    public SealedChannel? Seals { get; }

    /// <summary>Reads inline keys and the key file; throws ConfigException naming the file and line, or a key file others may read.</summary>
    public static AgentKeys Load(CommandOptions o, string node)
    {
        var ring = new KeyRing();
        foreach (KeyValuePair<string, string> k in o.Keys)
        {
            ring.Add(k.Key, Convert.FromHexString(k.Value));
        }

        if (o.KeyFile.Length > 0)
        {
            string label = "Commands:KeyFile";
            string loose = PrivateFiles.Problem(o.KeyFile, label);
            if (loose.Length > 0)
            {
                throw new ConfigException(loose);
            }

            if (!ClusterKeyFile.TryParse(File.ReadAllText(o.KeyFile), label + " = '" + o.KeyFile + "'", ring, out string error))
            {
                throw new ConfigException(error);
            }
        }

        if (ring.FirstOf(KeyRole.Node, node).Length == 0)
        {
            return new AgentKeys(ring, null);
        }

        if (!ring.HasRole(KeyRole.Board))
        {
            throw new ConfigException($"Commands:KeyFile = '{o.KeyFile}' holds the key of node '{node}' but no board key: no grant could ever be checked (copy the node's file from 'watchdogctl keys generate')");
        }

        return new AgentKeys(ring, new SealedChannel(ring, new PlatformHmacSha256(), KeyRole.Node, node));
    }
}
