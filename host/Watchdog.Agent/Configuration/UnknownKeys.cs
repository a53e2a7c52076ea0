using System.Collections;
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
    public static List<string> Find(IConfiguration root, Type optionsType)
    {
        var problems = new List<string>();
        Walk(root.GetChildren(), optionsType, problems);
        return problems;
    }

    private static void Walk(IEnumerable<IConfigurationSection> sections, Type type, List<string> problems)
    {
        foreach (IConfigurationSection s in sections)
        {
            PropertyInfo? p = type.GetProperty(s.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
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
