namespace Watchdog.Agent.Status;

/// <summary>
/// The agent's current picture of itself: check results, heartbeat device, feeding, role.
/// Every component writes its part here; the publisher turns it into the retained NodeState.
/// Thread-safe; Changed fires (outside the lock) whenever something an operator would see changes.
/// </summary>
public sealed class AgentStatus
{
    private readonly object _gate = new();
    private readonly Dictionary<string, CheckResult> _checks = new(StringComparer.Ordinal);
    private readonly List<string> _order = new();
    private readonly HashSet<string> _pendingRequired = new(StringComparer.Ordinal);
    private readonly HashSet<string> _requiredOnlyWhileActive = new(StringComparer.Ordinal);
    private string _deviceProblem = "";
    private bool _feeding;
    private NodeRole _role;
    private long _epoch;
    private bool _boardLost;
    private string _roleReason = "";
    private string _grantProof = "";
    private long _seq;

    // RequiredChecksPass as of the last change, kept outside the lock: the real-time heartbeat
    // thread reads it every edge, and must never wait for a lock a normal-priority thread holds
    // (one that the scheduler has put aside for a busy server's other work, or that is building
    // a snapshot): that wait would be a late edge, and a late edge is what the board fences on.
    private volatile bool _requiredPass = true;

    public event Action? Changed;

    /// <summary>
    /// Registers a check before its first result; a required check counts as not passing until
    /// it has one, and a check that gates promotion keeps the node not ready until it passes.
    /// </summary>
    /// <param name="onlyWhileActive">Required only while this node is active (CheckOptions.RequiredWhen = active).</param>
    public void Declare(string name, bool required, bool gatesPromotion = false, bool onlyWhileActive = false)
    {
        lock (_gate)
        {
            _order.Add(name);
            if (required && onlyWhileActive)
            {
                _requiredOnlyWhileActive.Add(name);
            }

            _checks[name] = new CheckResult { Name = name, Ok = false, Required = required, GatesPromotion = gatesPromotion, Detail = "no result yet" };
            if (required)
            {
                _pendingRequired.Add(name);
            }

            _requiredPass = ComputeRequiredPass();
        }
    }

    /// <summary>
    /// True when every check required in the current role passes: the heartbeat may be fed.
    /// Lock-free (the heartbeat thread's read); as of the last change of a check or the role.
    /// </summary>
    public bool RequiredChecksPass => _requiredPass;

    /// <summary>Called under the lock by every change a required check's standing depends on.</summary>
    private bool ComputeRequiredPass()
    {
        foreach (CheckResult c in _checks.Values)
        {
            if (RequiredNow(c) && (!c.Ok || _pendingRequired.Contains(c.Name)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Required, and in the role it is required in (every role, or only while active). Called under the lock.</summary>
    private bool RequiredNow(CheckResult c) =>
        c.Required && (_role == NodeRole.Active || !_requiredOnlyWhileActive.Contains(c.Name));

    /// <summary>
    /// True when every check that gates promotion passes: the board may grant this node the
    /// active role (NodeState.Ready). Its failure does not touch the heartbeat.
    /// </summary>
    public bool Ready
    {
        get
        {
            lock (_gate)
            {
                foreach (CheckResult c in _checks.Values)
                {
                    if (c.GatesPromotion && !c.Ok)
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }

    public void SetCheck(string name, bool ok, string detail)
    {
        bool changed;
        lock (_gate)
        {
            CheckResult c = _checks[name];
            changed = c.Ok != ok || c.Detail != detail || _pendingRequired.Contains(name);
            c.Ok = ok;
            c.Detail = detail;
            _pendingRequired.Remove(name);
            _requiredPass = ComputeRequiredPass();
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    public void SetFeeding(bool feeding) => Update(ref _feeding, feeding);

    public bool Feeding { get { lock (_gate) { return _feeding; } } }

    /// <summary>Empty when the heartbeat device works; otherwise what is wrong with it.</summary>
    public void SetDeviceProblem(string problem) => Update(ref _deviceProblem, problem);

    public string DeviceProblem { get { lock (_gate) { return _deviceProblem; } } }

    public void SetRole(NodeRole role, long epoch, string reason) => SetRole(role, epoch, reason, null);

    /// <param name="grantProof">The sealed grant the role and epoch come from (NodeState.GrantProof); null keeps the one held (a demotion at the same epoch).</param>
    public void SetRole(NodeRole role, long epoch, string reason, string? grantProof)
    {
        lock (_gate)
        {
            _role = role;
            _epoch = epoch;
            _roleReason = reason;
            _grantProof = grantProof ?? _grantProof;
            _requiredPass = ComputeRequiredPass(); // a check required only while active counts from here
        }

        Changed?.Invoke();
    }

    public long Epoch { get { lock (_gate) { return _epoch; } } }

    public NodeRole Role { get { lock (_gate) { return _role; } } }

    public void SetBoardLost(bool lost) => Update(ref _boardLost, lost);

    public bool BoardLost { get { lock (_gate) { return _boardLost; } } }

    /// <summary>Takes a consistent snapshot as the message published on node/&lt;node&gt;/state.</summary>
    public NodeState Snapshot(string node, string group, long timestampMs) => Build(node, group, timestampMs, advanceSeq: true);

    /// <summary>The same picture for a reader that publishes nothing (the metrics): the sequence number does not move.</summary>
    public NodeState Peek(string node, string group) => Build(node, group, 0, advanceSeq: false);

    private NodeState Build(string node, string group, long timestampMs, bool advanceSeq)
    {
        lock (_gate)
        {
            var checks = new CheckResult[_order.Count];
            var failingRequired = new List<string>();
            var failingOther = new List<string>();
            var notReady = new List<string>();
            for (int i = 0; i < _order.Count; i++)
            {
                CheckResult c = _checks[_order[i]];
                checks[i] = new CheckResult { Name = c.Name, Ok = c.Ok, Required = c.Required, GatesPromotion = c.GatesPromotion, Detail = c.Detail };
                if (!c.Ok)
                {
                    // A check that gates promotion says whether this node may become active, not
                    // whether it serves: it sets readiness and leaves the health alone.
                    // One required only while active is, on a standby, a failure that degrades.
                    (c.GatesPromotion ? notReady : RequiredNow(c) ? failingRequired : failingOther).Add(c.Name + ": " + c.Detail);
                }
            }

            Health health;
            var reasons = new List<string>();

            // First, so that a reader quoting only the start of the reason (the board's alerts) quotes this.
            if (notReady.Count > 0)
            {
                reasons.Add("not ready: " + string.Join(", ", notReady));
            }

            if (_deviceProblem.Length > 0)
            {
                reasons.Add("heartbeat device: " + _deviceProblem);
            }

            int pendingNow = _pendingRequired.Count(name => RequiredNow(_checks[name]));
            if (pendingNow > 0 && failingRequired.Count == pendingNow && _deviceProblem.Length == 0)
            {
                health = Health.Unknown;
                reasons.Add("waiting for the first result of required checks");
            }
            else if (failingRequired.Count > 0 || _deviceProblem.Length > 0)
            {
                health = Health.Failing;
                reasons.AddRange(failingRequired);
                reasons.AddRange(failingOther);
            }
            else if (failingOther.Count > 0)
            {
                health = Health.Degraded;
                reasons.AddRange(failingOther);
            }
            else
            {
                health = Health.Healthy;
            }

            if (_boardLost)
            {
                reasons.Add("board lost: nothing heard from the board; keeping role " + WireWords.Of(_role) + ", no automatic failover is possible");
            }

            if (_roleReason.Length > 0)
            {
                reasons.Add("role: " + _roleReason);
            }

            return new NodeState
            {
                Node = node,
                Group = group,
                Role = _role,
                Epoch = _epoch,
                GrantProof = _grantProof,
                Health = health,
                Ready = notReady.Count == 0,
                Reason = reasons.Count == 0 ? "all checks pass" : string.Join("; ", reasons),
                Feeding = _feeding,
                BoardLost = _boardLost,
                Checks = checks,
                Seq = advanceSeq ? ++_seq : _seq,
                Timestamp = timestampMs,
            };
        }
    }

    private void Update<T>(ref T field, T value)
    {
        bool changed;
        lock (_gate)
        {
            changed = !EqualityComparer<T>.Default.Equals(field, value);
            field = value;
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }
}
