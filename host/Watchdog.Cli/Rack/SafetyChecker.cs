using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Cli.Rack;

/// <summary>
/// Checks a run's record against the safety rules that can be seen from outside: never two
/// actives (from the roles the board published, from what the agents claimed, and from the
/// overlap meter's physical view), and epochs that only grow: a change of the active set always
/// comes with a higher epoch, and no member ever acknowledges a lower epoch than before.
/// </summary>
public static class SafetyChecker
{
    public static IReadOnlyList<string> Check(IReadOnlyList<Observation> observations, double physicalOverlapMs)
    {
        var violations = new List<string>();
        if (physicalOverlapMs > 0)
        {
            violations.Add($"two servers acted as active at once for {physicalOverlapMs:0.0} ms (virtual IP held by two running servers)");
        }

        var lastRoles = new Dictionary<string, GroupRoles>(StringComparer.Ordinal);
        var lastAck = new Dictionary<string, long>(StringComparer.Ordinal);
        var claims = new Dictionary<string, NodeState>(StringComparer.Ordinal);
        foreach (var o in observations)
        {
            switch (o.Message)
            {
                case GroupRoles roles:
                    if (roles.Mode == GroupMode.ActiveStandby && roles.Active.Length > 1)
                    {
                        violations.Add($"group {roles.Group}@{roles.Epoch} published two actives: {string.Join(", ", roles.Active)}");
                    }

                    if (lastRoles.TryGetValue(roles.Group, out var before))
                    {
                        if (roles.Epoch < before.Epoch)
                        {
                            violations.Add($"group {roles.Group}: epoch went back from {before.Epoch} to {roles.Epoch}");
                        }
                        else if (roles.Epoch == before.Epoch && !roles.Active.Order().SequenceEqual(before.Active.Order()))
                        {
                            violations.Add($"group {roles.Group}: active set changed from [{string.Join(", ", before.Active)}] to [{string.Join(", ", roles.Active)}] without a new epoch ({roles.Epoch})");
                        }
                    }

                    lastRoles[roles.Group] = roles;
                    break;
                case GrantAck ack when ack.Ok:
                    if (lastAck.TryGetValue(ack.Node, out var previous) && ack.Epoch < previous)
                    {
                        violations.Add($"{ack.Node} acknowledged epoch {ack.Epoch} after {previous}");
                    }

                    lastAck[ack.Node] = Math.Max(previous, ack.Epoch);
                    break;
                case NodeState state:
                    claims[state.Node] = state;
                    var claimants = claims.Values
                        .Where(s => s.Role == NodeRole.Active && s.Group == state.Group && s.Epoch == state.Epoch)
                        .Select(s => s.Node)
                        .ToList();
                    if (claimants.Count > 1)
                    {
                        violations.Add($"{string.Join(" and ", claimants)} both claimed active under the same epoch {state.Epoch}");
                    }

                    break;
            }
        }

        return violations.Distinct().ToList();
    }
}
