using Watchdog.Protocol.Wire;

namespace Watchdog.Failover;

/// <summary>
/// The environment every hook gets (on top of the agent's own). WATCHDOG_EPOCH is the fencing
/// token: a service that writes to shared storage or answers clients should tag its writes or
/// its leadership with it and refuse anything carrying a lower one.
/// </summary>
public static class HookEnvironment
{
    public const string Role = "WATCHDOG_ROLE";
    public const string PreviousRole = "WATCHDOG_PREVIOUS_ROLE";
    public const string Group = "WATCHDOG_GROUP";
    public const string Node = "WATCHDOG_NODE";
    public const string Epoch = "WATCHDOG_EPOCH";
    public const string Reason = "WATCHDOG_REASON";
    public const string Action = "WATCHDOG_ACTION";
    public const string Vip = "WATCHDOG_VIP";
    public const string VipInterface = "WATCHDOG_VIP_INTERFACE";

    /// <param name="action">promote, demote or rollback (the demote steps undoing a failed promote).</param>
    public static IReadOnlyDictionary<string, string> For(string action, NodeRole role, NodeRole previous, string group, string node, long epoch, string reason, VirtualIpOptions vip)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Action] = action,
            [Role] = WireWords.Of(role),
            [PreviousRole] = WireWords.Of(previous),
            [Group] = group,
            [Node] = node,
            [Epoch] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [Reason] = OneLine(reason),
            [Vip] = vip.Enabled ? vip.Address + "/" + vip.PrefixLength.ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
            [VipInterface] = vip.Enabled ? vip.Interface : "",
        };
        return env;
    }

    // A reason travels over MQTT; keep control characters out of the hook's environment.
    private static string OneLine(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        char[] chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]))
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }
}
