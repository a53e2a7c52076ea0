namespace Watchdog.Lab.Tests;

/// <summary>
/// The safety checker over synthetic records (no rack, no broker): two members claiming active
/// are caught whatever their epochs, a normal handover is not, and what was there before a fault
/// is reported apart instead of being charged to it.
/// </summary>
public class SafetyCheckerTests
{
    private const long T0 = 1_800_000_000_000; // wall-clock ms, as the observer stamps arrivals

    private readonly List<Observation> _record = [];

    [Fact]
    public void Two_members_claiming_active_under_different_epochs_are_flagged_with_both_epochs_and_the_start()
    {
        // web1 holds the role under epoch 7; a forged grant at 999 makes web2 claim it too.
        Roles(0, 7, active: ["web1"], standby: ["web2"]);
        State(10, "web1", NodeRole.Active, 7);
        State(20, "web2", NodeRole.Standby, 7);
        State(500, "web2", NodeRole.Active, 999);
        State(1500, "web1", NodeRole.Active, 7); // web1 republishes: still the same breach
        State(1600, "web2", NodeRole.Active, 999);

        var finding = Assert.Single(SafetyChecker.Findings(_record));
        Assert.Contains("web1 (epoch 7) and web2 (epoch 999) both claimed active in group web", finding.Text, StringComparison.Ordinal);
        Assert.Contains(At(500), finding.Text, StringComparison.Ordinal);
        Assert.Equal(T0 + 500, finding.StartedAtMs);
        Assert.Null(finding.EndedAtMs);
        Assert.Equal([finding.Text], SafetyChecker.Check(_record, 0));
    }

    [Fact]
    public void The_breach_ends_when_one_of_them_steps_down()
    {
        State(10, "web1", NodeRole.Active, 7);
        State(500, "web2", NodeRole.Active, 999);
        State(900, "web2", NodeRole.Standby, 1000);

        var finding = Assert.Single(SafetyChecker.Findings(_record));
        Assert.Equal(T0 + 900, finding.EndedAtMs);
    }

    [Fact]
    public void A_failover_that_fences_the_old_active_before_the_new_one_claims_is_not_flagged()
    {
        // web1 hangs: its last retained state still says active@7 when web2 takes over at 8.
        Roles(0, 7, active: ["web1"], standby: ["web2"]);
        State(10, "web1", NodeRole.Active, 7);
        State(20, "web2", NodeRole.Standby, 7);
        Event(300, "state-failed", "web1", 7);
        Event(310, "state-fenced", "web1", 7);
        Roles(330, 8, active: ["web2"], standby: [], fenced: ["web1"]);
        Ack(345, "web2", NodeRole.Active, 8);
        State(345, "web2", NodeRole.Active, 8);

        // A copy of web1's old state delivered late does not revive its claim either.
        State(400, "web1", NodeRole.Active, 7);

        Assert.Empty(SafetyChecker.Findings(_record));
    }

    [Fact]
    public void Roles_that_list_the_old_active_as_fenced_put_it_out_without_the_event()
    {
        State(10, "web1", NodeRole.Active, 7);
        Roles(330, 8, active: ["web2"], standby: [], fenced: ["web1"]);
        State(345, "web2", NodeRole.Active, 8);

        Assert.Empty(SafetyChecker.Findings(_record));
    }

    [Fact]
    public void A_switchover_whose_old_active_acknowledged_its_demotion_is_not_flagged()
    {
        Roles(0, 7, active: ["web1"], standby: ["web2"]);
        State(10, "web1", NodeRole.Active, 7);
        State(20, "web2", NodeRole.Standby, 7);
        Roles(100, 8, active: [], standby: ["web1", "web2"]);
        Ack(110, "web1", NodeRole.Standby, 8);
        Roles(130, 9, active: ["web2"], standby: ["web1"]);
        State(150, "web2", NodeRole.Active, 9);

        // web1's own standby state arrives after web2's claim: the acknowledgement already ended its claim.
        State(160, "web1", NodeRole.Standby, 8);

        Assert.Empty(SafetyChecker.Findings(_record));
    }

    [Fact]
    public void An_old_active_that_went_silent_still_counts_until_it_is_fenced_or_demotes()
    {
        // Silence is no proof: roles that move the role on without fencing web1 (rule 2 broken)
        // leave two claimants, and the checker says so.
        Roles(0, 7, active: ["web1"], standby: ["web2"]);
        State(10, "web1", NodeRole.Active, 7);
        Roles(300, 8, active: ["web2"], standby: ["web1"]);
        State(345, "web2", NodeRole.Active, 8);

        var finding = Assert.Single(SafetyChecker.Findings(_record));
        Assert.Contains("web1 (epoch 7) and web2 (epoch 8)", finding.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fenced_member_granted_active_again_at_a_higher_epoch_counts_again()
    {
        State(10, "web1", NodeRole.Active, 7);
        Event(310, "state-fenced", "web1", 7);
        State(345, "web2", NodeRole.Active, 8);
        State(900, "web1", NodeRole.Active, 10);

        var finding = Assert.Single(SafetyChecker.Findings(_record));
        Assert.Contains("web2 (epoch 8) and web1 (epoch 10)", finding.Text, StringComparison.Ordinal);
        Assert.Equal(T0 + 900, finding.StartedAtMs);
    }

    [Fact]
    public void Two_claims_under_one_epoch_are_flagged_even_when_one_member_is_fenced()
    {
        State(10, "web1", NodeRole.Active, 7);
        Event(310, "state-fenced", "web1", 7);
        State(345, "web2", NodeRole.Active, 7);

        var finding = Assert.Single(SafetyChecker.Findings(_record));
        Assert.StartsWith("web1 and web2 both claimed active under the same epoch 7", finding.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_actives_in_an_active_active_group_are_no_breach()
    {
        Roles(0, 3, active: ["web1", "web2"], standby: [], mode: GroupMode.ActiveActive);
        State(10, "web1", NodeRole.Active, 3);
        State(20, "web2", NodeRole.Active, 3);

        Assert.Empty(SafetyChecker.Findings(_record));
    }

    [Fact]
    public void A_double_claim_from_before_the_fault_is_reported_as_pre_existing_not_charged()
    {
        State(10, "web1", NodeRole.Active, 7);
        State(500, "web2", NodeRole.Active, 999); // begins before the fault at 1000 and still holds then
        State(2000, "web2", NodeRole.Standby, 1000);

        var report = SafetyChecker.CheckRun(_record, T0 + 1000, 0, OverlapSplit.None);

        Assert.Empty(report.Violations);
        var line = Assert.Single(report.PreExisting);
        Assert.StartsWith("before the fault: web1 (epoch 7) and web2 (epoch 999)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_double_claim_that_begins_after_the_fault_is_the_faults()
    {
        State(10, "web1", NodeRole.Active, 7);
        State(1500, "web2", NodeRole.Active, 999);

        var report = SafetyChecker.CheckRun(_record, T0 + 1000, 0, OverlapSplit.None);

        Assert.Contains("web2 (epoch 999)", Assert.Single(report.Violations), StringComparison.Ordinal);
        Assert.Empty(report.PreExisting);
    }

    [Fact]
    public void A_breach_over_before_the_fault_is_reported_once_by_the_first_run_after_it()
    {
        State(10, "web1", NodeRole.Active, 7);
        State(200, "web2", NodeRole.Active, 999);
        State(300, "web2", NodeRole.Standby, 1000);

        // No earlier run reported it (it began after the last report at 100): pre-existing here.
        Assert.Single(SafetyChecker.CheckRun(_record, T0 + 1000, T0 + 100, OverlapSplit.None).PreExisting);

        // A run after one that reported it (up to 1100) does not list it again.
        var later = SafetyChecker.CheckRun(_record, T0 + 5000, T0 + 1100, OverlapSplit.None);
        Assert.Empty(later.Violations);
        Assert.Empty(later.PreExisting);
    }

    [Fact]
    public void Physical_overlap_from_before_the_fault_is_not_charged_to_it()
    {
        // Two servers act from 800 to 1300 on the bench clock; the fault comes at 1000.
        List<(double AtMs, string[] Acting)> changes = [(0, ["web1"]), (800, ["web1", "web2"]), (1300, ["web2"])];

        var split = ActiveOverlapMeter.Split(changes, 1000, 5000);

        Assert.Equal(0, split.ChargedMs);
        Assert.Equal(300, split.PreExistingMs);
        Assert.Equal(200, split.PreExistingLeadMs);
        Assert.Equal(["web1", "web2"], split.PreExistingActing);

        var report = SafetyChecker.CheckRun(_record, T0 + 1000, 0, split);
        Assert.Empty(report.Violations);
        Assert.Contains("(web1, web2) already acted as active from 200.0 ms before", Assert.Single(report.PreExisting), StringComparison.Ordinal);
    }

    [Fact]
    public void Physical_overlap_that_begins_after_the_fault_is_charged_and_the_parts_add_up()
    {
        // One stretch from before the fault (800-1300), one after it (2000-2150, who acts changes
        // inside it), one after the window's end (6000).
        List<(double AtMs, string[] Acting)> changes =
        [
            (0, ["web1"]), (800, ["web1", "web2"]), (1300, ["web2"]), (2000, ["web1", "web2"]),
            (2100, ["web1", "web2", "web3"]), (2150, ["web2"]), (6000, ["web1", "web2"]),
        ];

        var split = ActiveOverlapMeter.Split(changes, 1000, 5000);

        Assert.Equal(150, split.ChargedMs);
        Assert.Equal(300, split.PreExistingMs);
        var report = SafetyChecker.CheckRun(_record, T0 + 1000, 0, split);
        Assert.Equal(["two servers acted as active at once for 150.0 ms (virtual IP held by two running servers)"], report.Violations);
        Assert.Single(report.PreExisting);
    }

    [Fact]
    public void The_existing_epoch_rules_still_hold()
    {
        Roles(0, 7, active: ["web1"], standby: ["web2"]);
        Roles(10, 7, active: ["web2"], standby: ["web1"]);
        Roles(20, 6, active: ["web2"], standby: ["web1"]);
        Ack(30, "web1", NodeRole.Standby, 8);
        Ack(40, "web1", NodeRole.Standby, 6);

        var texts = SafetyChecker.Findings(_record).Select(f => f.Text).ToList();
        Assert.Contains("group web: active set changed from [web1] to [web2] without a new epoch (7)", texts);
        Assert.Contains("group web: epoch went back from 7 to 6", texts);
        Assert.Contains("web1 acknowledged epoch 6 after 8", texts);
    }

    private static string At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(T0 + ms).ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    private void State(long ms, string node, NodeRole role, long epoch) =>
        _record.Add(new Observation(T0 + ms, $"watchdog/node/{node}/state", new NodeState { Node = node, Group = "web", Role = role, Epoch = epoch, Health = Health.Healthy, Timestamp = T0 + ms }));

    private void Roles(long ms, long epoch, string[] active, string[] standby, string[]? fenced = null, GroupMode mode = GroupMode.ActiveStandby) =>
        _record.Add(new Observation(T0 + ms, "watchdog/group/web/roles", new GroupRoles { Group = "web", Mode = mode, Epoch = epoch, Active = active, Standby = standby, Fenced = fenced ?? [], Timestamp = T0 + ms }));

    private void Ack(long ms, string node, NodeRole role, long epoch) =>
        _record.Add(new Observation(T0 + ms, $"watchdog/node/{node}/grant/ack", new GrantAck { Node = node, Group = "web", Role = role, Epoch = epoch, Ok = true, Timestamp = T0 + ms }));

    private void Event(long ms, string kind, string node, long epoch) =>
        _record.Add(new Observation(T0 + ms, "watchdog/events/rack1", new EventMessage { Source = "rack1", Kind = kind, Node = node, Group = "web", Epoch = epoch, Timestamp = T0 + ms }));
}
