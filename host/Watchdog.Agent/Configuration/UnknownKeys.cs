using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Watchdog.Agent.Configuration;

/// <summary>
/// Finds configuration keys that match no option, with their full path and value, so a typo
/// ("Requird": true) is refused as "Checks:0:Requird = 'true': unknown key" instead of silently
/// falling back to a default. The binder's own ErrorOnUnknownConfiguration names only the class.
/// </summary>
public static class UnknownKeys
{
    // Every options class, each passed as a typeof literal to an annotated parameter so that
    // trimming (NativeAOT publish) keeps the property metadata this walk reads. A new options
    // class must be added here.
    private static readonly Dictionary<Type, PropertyInfo[]> Known = new()
    {
        [typeof(AgentOptions)] = PublicProperties(typeof(AgentOptions)),
        [typeof(HeartbeatOptions)] = PublicProperties(typeof(HeartbeatOptions)),
        [typeof(RoleInputOptions)] = PublicProperties(typeof(RoleInputOptions)),
        [typeof(MqttOptions)] = PublicProperties(typeof(MqttOptions)),
        [typeof(BrokerOptions)] = PublicProperties(typeof(BrokerOptions)),
        [typeof(BoardOptions)] = PublicProperties(typeof(BoardOptions)),
        [typeof(CommandOptions)] = PublicProperties(typeof(CommandOptions)),
        [typeof(MetricsOptions)] = PublicProperties(typeof(MetricsOptions)),
        [typeof(SystemdOptions)] = PublicProperties(typeof(SystemdOptions)),
        [typeof(CheckOptions)] = PublicProperties(typeof(CheckOptions)),
        [typeof(CheckActionOptions)] = PublicProperties(typeof(CheckActionOptions)),
        [typeof(Watchdog.Failover.FailoverOptions)] = PublicProperties(typeof(Watchdog.Failover.FailoverOptions)),
        [typeof(Watchdog.Failover.HookSetOptions)] = PublicProperties(typeof(Watchdog.Failover.HookSetOptions)),
        [typeof(Watchdog.Failover.HookOptions)] = PublicProperties(typeof(Watchdog.Failover.HookOptions)),
        [typeof(Watchdog.Failover.VirtualIpOptions)] = PublicProperties(typeof(Watchdog.Failover.VirtualIpOptions)),
    };

    public static List<string> Find(IConfiguration root, Type optionsType)
    {
        var problems = new List<string>();
        Walk(root.GetChildren(), optionsType, problems);
        return problems;
    }

    private static PropertyInfo[] PublicProperties([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance);

    private static void Walk(IEnumerable<IConfigurationSection> sections, Type type, List<string> problems)
    {
        foreach (IConfigurationSection s in sections)
        {
            PropertyInfo? p = Known.TryGetValue(type, out PropertyInfo[]? props)
                ? Array.Find(props, x => string.Equals(x.Name, s.Key, StringComparison.OrdinalIgnoreCase))
                : null;
            if (p == null)
            {
                problems.Add(s.Path + " = " + (s.Value != null ? "'" + s.Value + "'" : "{...}") + ": unknown key (check the spelling against docs/agent.md)");
                continue;
            }

            Type t = p.PropertyType;
            if (IsLeaf(t) || typeof(IDictionary).IsAssignableFrom(t))
            {
                continue;
            }

            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
            {
                Type item = t.GetGenericArguments()[0];
                if (!IsLeaf(item))
                {
                    foreach (IConfigurationSection element in s.GetChildren())
                    {
                        Walk(element.GetChildren(), item, problems);
                    }
                }

                continue;
            }

            Walk(s.GetChildren(), t, problems);
        }
    }

    private static bool IsLeaf(Type t) => t.IsPrimitive || t == typeof(string) || t == typeof(decimal) || t.IsEnum;
}
