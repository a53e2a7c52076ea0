using System.Globalization;
using Watchdog.Lab.Rack;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Checks;

/// <summary>
/// One breach of a safety rule in a run's record: what it was, when it began and, for a state
/// that lasted (two members claiming active), when it ended (null while it still held at the end
/// of the record). Times are the observer's wall clock (ms since the Unix epoch), as in
/// <see cref="Observation.ReceivedAtMs"/>.
/// </summary>
public sealed record SafetyFinding(string Text, long StartedAtMs, long? EndedAtMs)
{
    /// <summary>True when the breach began before <paramref name="atMs"/> and still held then.</summary>
    public bool HeldAt(long atMs) => StartedAtMs < atMs && (EndedAtMs is null || EndedAtMs > atMs);
}

/// <summary>
/// What the checker says about one fault's run: the breaches charged to the fault (they began
/// once it was injected), and those that were there before it (reported, never charged to it).
/// </summary>
public sealed record SafetyReport(IReadOnlyList<string> Violations, IReadOnlyList<string> PreExisting);

/// <summary>
/// Checks a run's record against the safety rules that can be seen from outside: never two
/// actives (from the roles the board published, from what the agents claimed, and from the
/// overlap meter's physical view), and epochs that only grow: a change of the active set always
/// comes with a higher epoch, and no member ever acknowledges a lower epoch than before.
/// </summary>
/// <remarks>
/// What the agents claimed: each member's latest state. In an active-standby group two members
/// that both claim active are a breach, whatever their epochs: a forged or stray grant at a higher
/// epoch is caught as well as two grants under one epoch. A failover legitimately leaves the old
/// active's last retained "active" behind (a hung, crashed or powered-off agent cannot say
/// otherwise), so across epochs a claim stops counting once its member is out by the measures of
/// safety rule 2: the board fenced it (a <c>state-fenced</c>, <c>fenced-and-held</c> or
/// <c>power-off-confirmed</c> event, or its roles list it as fenced) or it acknowledged its
/// demotion (an ok grant acknowledgement of a role other than active, or the board's
/// <c>demotion-acknowledged</c>). That holds for every claim of the member up to the epoch it was
/// put out at, so a delayed copy of the old state does not revive it; a later grant at a higher
/// epoch does. Its own newer state replaces a claim, as always. Silence alone ends nothing: a
/// member that went quiet may still hold the address. Two claims under the same epoch are a
/// breach whatever else is known (one epoch grants one active).
/// </remarks>
public static class SafetyChecker
{
    /// <summary>Board events that say a member is held or off: its claim stops counting.</summary>
    private static readonly HashSet<string> OutEvents = new(StringComparer.Ordinal)
    {
        "state-fenced", "fenced-and-held", "power-off-confirmed", "demotion-acknowledged",
    };

    /// <summary>The whole record's breaches, as text (the physical overlap given for the whole record too).</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<Observation> observations, double physicalOverlapMs)
    {
        var violations = new List<string>();
        if (physicalOverlapMs > 0)
        {
            violations.Add(PhysicalText(physicalOverlapMs));
        }

        violations.AddRange(Findings(observations).Select(f => f.Text));
        return violations.Distinct().ToList();
    }

    /// <summary>
    /// The breaches of one fault's run. A breach that began at or after <paramref name="faultAtWallMs"/>
    /// is the fault's. One that began before it is pre-existing: listed when it still held at the
    /// fault, or when it began after <paramref name="reportedUntilWallMs"/> (no earlier run saw it, say
    /// it began while the previous victim was brought back); the others an earlier run already reported.
    /// </summary>
    public static SafetyReport CheckRun(IReadOnlyList<Observation> observations, long faultAtWallMs, long reportedUntilWallMs, OverlapSplit physical)
    {
        var violations = new List<string>();
        var preExisting = new List<string>();
        if (physical.ChargedMs > 0)
        {
            violations.Add(PhysicalText(physical.ChargedMs));
        }

        if (physical.PreExistingMs > 0)
        {
            preExisting.Add($"before the fault: two servers ({string.Join(", ", physical.PreExistingActing)}) already acted as active from {physical.PreExistingLeadMs:0.0} ms before it was injected," +
                            $" {physical.PreExistingMs:0.0} ms of that within the run (not counted as the fault's overlap)");
        }

        foreach (var f in Findings(observations))
        {
            if (f.StartedAtMs >= faultAtWallMs)
            {
                violations.Add(f.Text);
            }
            else if (f.HeldAt(faultAtWallMs) || f.StartedAtMs >= reportedUntilWallMs)
            {
                preExisting.Add("before the fault: " + f.Text + (f.HeldAt(faultAtWallMs) ? " (still so when the fault was injected)" : ""));
            }
        }

        return new SafetyReport(violations.Distinct().ToList(), preExisting.Distinct().ToList());
    }

    /// <summary>Every breach in the record, in the order they began.</summary>
    public static IReadOnlyList<SafetyFinding> Findings(IReadOnlyList<Observation> observations)
    {
        var findings = new List<SafetyFinding>();
        var lastRoles = new Dictionary<string, GroupRoles>(StringComparer.Ordinal);
        var lastAck = new Dictionary<string, long>(StringComparer.Ordinal);
        var claims = new Dictionary<string, NodeState>(StringComparer.Ordinal);

        // Per member: when its current claim (role and epoch) was first seen; a republished state does not move it.
        var claimSince = new Dictionary<string, long>(StringComparer.Ordinal);

        // Per member: every claim of it up to this epoch is over (it was fenced or it demoted).
        var outThrough = new Dictionary<string, long>(StringComparer.Ordinal);

        // Pairs of members claiming active together right now, with the index of their finding.
        var open = new Dictionary<(string First, string Second), int>();

        void Point(long at, string text) => findings.Add(new SafetyFinding(text, at, at));

        void PutOut(string node, long epoch)
        {
            if (node.Length == 0)
            {
                return;
            }

            var through = epoch;
            if (claims.TryGetValue(node, out var claim) && claim.Role == NodeRole.Active)
            {
                // Its current claim too, whatever epoch it carries (a forged one may be above the board's).
                through = Math.Max(through, claim.Epoch);
            }

            outThrough[node] = Math.Max(outThrough.GetValueOrDefault(node, long.MinValue), through);
        }

        foreach (var o in observations)
        {
            switch (o.Message)
            {
                case GroupRoles roles:
                    if (roles.Mode == GroupMode.ActiveStandby && roles.Active.Length > 1)
                    {
                        Point(o.ReceivedAtMs, $"group {roles.Group}@{roles.Epoch} published two actives: {string.Join(", ", roles.Active)}");
                    }

                    if (lastRoles.TryGetValue(roles.Group, out var before))
                    {
                        if (roles.Epoch < before.Epoch)
                        {
                            Point(o.ReceivedAtMs, $"group {roles.Group}: epoch went back from {before.Epoch} to {roles.Epoch}");
                        }
                        else if (roles.Epoch == before.Epoch && !roles.Active.Order().SequenceEqual(before.Active.Order()))
                        {
                            Point(o.ReceivedAtMs, $"group {roles.Group}: active set changed from [{string.Join(", ", before.Active)}] to [{string.Join(", ", roles.Active)}] without a new epoch ({roles.Epoch})");
                        }
                    }

                    lastRoles[roles.Group] = roles;
                    foreach (var fenced in roles.Fenced)
                    {
                        PutOut(fenced, roles.Epoch);
                    }

                    break;
                case GrantAck ack when ack.Ok:
                    if (lastAck.TryGetValue(ack.Node, out var previous) && ack.Epoch < previous)
                    {
                        Point(o.ReceivedAtMs, $"{ack.Node} acknowledged epoch {ack.Epoch} after {previous}");
                    }

                    lastAck[ack.Node] = Math.Max(previous, ack.Epoch);
                    if (ack.Role != NodeRole.Active)
                    {
                        // Its demotion acknowledged: it no longer acts as active.
                        PutOut(ack.Node, ack.Epoch);
                    }

                    break;
                case EventMessage ev when OutEvents.Contains(ev.Kind):
                    PutOut(ev.Node, ev.Epoch);
                    break;
                case NodeState state:
                    if (!claims.TryGetValue(state.Node, out var was) || was.Role != state.Role || was.Epoch != state.Epoch || was.Group != state.Group)
                    {
                        claimSince[state.Node] = o.ReceivedAtMs;
                    }

                    claims[state.Node] = state;
                    break;
                default:
                    continue;
            }

            Track(o.ReceivedAtMs);
        }

        return findings;

        // After every message that can start or end a claim: opens a finding for each pair of
        // members that now both claim active, and closes those of pairs that no longer do.
        void Track(long at)
        {
            var now = new HashSet<(string, string)>();
            var active = claims.Values
                .Where(s => s.Role == NodeRole.Active && !ActiveActive(s.Group))
                .OrderBy(s => s.Node, StringComparer.Ordinal)
                .ToList();
            for (var i = 0; i < active.Count; i++)
            {
                for (var j = i + 1; j < active.Count; j++)
                {
                    var (a, b) = (active[i], active[j]);
                    if (a.Group != b.Group || (a.Epoch != b.Epoch && (IsOut(a) || IsOut(b))))
                    {
                        continue;
                    }

                    var key = (a.Node, b.Node);
                    now.Add(key);
                    if (!open.ContainsKey(key))
                    {
                        open[key] = findings.Count;
                        findings.Add(new SafetyFinding(ClaimText(a, b, at), at, null));
                    }
                }
            }

            foreach (var key in open.Keys.Where(k => !now.Contains(k)).ToList())
            {
                findings[open[key]] = findings[open[key]] with { EndedAtMs = at };
                open.Remove(key);
            }
        }

        bool IsOut(NodeState s) => outThrough.TryGetValue(s.Node, out var through) && s.Epoch <= through;

        bool ActiveActive(string group) => lastRoles.TryGetValue(group, out var r) && r.Mode == GroupMode.ActiveActive;

        string ClaimText(NodeState a, NodeState b, long at)
        {
            // The member that claimed first is named first.
            var (first, second) = claimSince[b.Node] < claimSince[a.Node] ? (b, a) : (a, b);
            var since = DateTimeOffset.FromUnixTimeMilliseconds(at).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            return a.Epoch == b.Epoch
                ? $"{first.Node} and {second.Node} both claimed active under the same epoch {a.Epoch} (group {a.Group}, from {since} UTC)"
                : $"{first.Node} (epoch {first.Epoch}) and {second.Node} (epoch {second.Epoch}) both claimed active in group {a.Group} from {since} UTC";
        }
    }

    private static string PhysicalText(double ms) =>
        $"two servers acted as active at once for {ms:0.0} ms (virtual IP held by two running servers)";
}
