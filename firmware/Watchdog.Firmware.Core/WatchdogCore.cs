using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The watchdog: a plain object with no I/O, no clock and no threads (the model is etcd-io/raft's
    /// RawNode). The glue fills Input and calls Tick every TickMs; decoded MQTT messages go in
    /// through the Step methods. Every call returns the same CoreOutput, which the glue carries
    /// out in the order documented on it (persist the epoch, drive the relays, publish) before the
    /// next call. All memory is allocated here; steady-state ticks allocate nothing. Not thread-safe:
    /// call it from one thread (or under one lock).
    /// </summary>
    public sealed partial class WatchdogCore
    {
        /// <summary>Reported in BoardStatus.Firmware.</summary>
        public const string FirmwareVersion = "watchdog-core/1";

        private readonly CoreContext _ctx;
        private readonly CoreOutput _output;
        private readonly ChannelUnit[] _units;
        private readonly GroupArbiter[] _groups;
        private readonly ChannelView[] _channelViews;
        private readonly GroupView[] _groupViews;
        private readonly CommandDesk _commands;
        private readonly ChannelReading[] _readings;
        private readonly int[] _readingMask;
        private readonly ChannelState[] _readingState;
        private readonly Verdict[] _readingVerdict;
        private readonly string[][] _outputWords;
        private readonly BoardStatus _status = new BoardStatus();
        private readonly bool[] _powerCycling;
        private readonly long[] _attemptsVersion;
        private long _nextReading;
        private bool _statusSaidSettled;

        /// <summary>
        /// Builds the core for <paramref name="config"/> (validated here again; an invalid one throws
        /// ArgumentException with the validator's message). <paramref name="persistedEpoch"/> is the
        /// last EpochToPersist the glue made durable (0 on a fresh board): grants continue above it,
        /// and after a restart nothing new is granted and nobody fenced until the members were
        /// heard or the board grace passed. <paramref name="verifier"/> checks signed commands.
        /// </summary>
        public WatchdogCore(BoardConfig config, long persistedEpoch, ICommandVerifier verifier)
        {
            string error = BoardConfigValidator.Validate(config);
            if (error.Length > 0)
            {
                throw new System.ArgumentException(error, nameof(config));
            }

            if (persistedEpoch < 0)
            {
                throw new System.ArgumentOutOfRangeException(nameof(persistedEpoch), "persisted epoch " + persistedEpoch.ToString() + " is negative");
            }

            if (verifier == null)
            {
                throw new System.ArgumentNullException(nameof(verifier));
            }

            int channels = config.Channels.Length;
            int members = 0;
            for (int g = 0; g < config.Groups.Length; g++) { members += config.Groups[g].Members.Length; }

            Input = new TickInput(config);
            _output = new CoreOutput(channels, 48 + (4 * channels) + (4 * members));
            _ctx = new CoreContext(config, persistedEpoch, _output);
            PersistedEpochAtStart = persistedEpoch;

            _units = new ChannelUnit[channels];
            _channelViews = new ChannelView[channels];
            _readings = new ChannelReading[channels];
            _readingMask = new int[channels];
            _readingState = new ChannelState[channels];
            _readingVerdict = new Verdict[channels];
            _powerCycling = new bool[channels];
            _attemptsVersion = new long[channels];
            _inLadderRecord = new bool[channels];
            for (int i = 0; i < channels; i++)
            {
                _units[i] = new ChannelUnit(_ctx, i, Input.Channel(i));

                // A board that never issued an epoch never granted anyone a role. One that did, and
                // whose store predates the commissioning record, must assume every member may have
                // held one (RestoreCommissioned narrows it).
                _units[i].Commissioned = persistedEpoch > 0;
                _channelViews[i] = new ChannelView(_units[i]);
                ChannelReading r = new ChannelReading();
                r.Board = config.Board;
                r.Channel = config.Channels[i].Name;
                r.Node = config.Channels[i].Node;
                r.PowerGood = new bool[config.Channels[i].PowerGoodInputs];
                r.Link = new bool[config.Channels[i].LinkInputs];
                _readings[i] = r;
                _readingMask[i] = -1;
            }

            _groups = new GroupArbiter[config.Groups.Length];
            _groupViews = new GroupView[_groups.Length];
            for (int g = 0; g < _groups.Length; g++)
            {
                GroupConfig gc = config.Groups[g];
                ChannelUnit[] memberUnits = new ChannelUnit[gc.Members.Length];
                for (int m = 0; m < memberUnits.Length; m++) { memberUnits[m] = _units[config.ChannelOfNode(gc.Members[m])]; }
                _groups[g] = new GroupArbiter(_ctx, gc, memberUnits);
                _groupViews[g] = new GroupView(_groups[g]);
            }

            _commands = new CommandDesk(_ctx, _units, _groups, verifier);
            _outputWords = BuildOutputWords();
            _output.Commissioned = CommissionedList();
            _status.Board = config.Board;
            _status.Firmware = FirmwareVersion;
            _status.Channels = channels;
            _status.Presence = Presence.Ready;
        }

        /// <summary>The samples of the next tick; the glue writes them, Tick reads them.</summary>
        public TickInput Input { get; }

        public BoardConfig Config { get { return _ctx.Config; } }

        /// <summary>Ticks so far.</summary>
        public long Ticks { get { return _ctx.Now; } }

        /// <summary>The highest epoch issued or seen (the last one handed out for persisting).</summary>
        public long Epoch { get { return _ctx.Epoch; } }

        public long PersistedEpochAtStart { get; }

        /// <summary>The wall clock of the last Tick or Step (ms since the Unix epoch): what the output's messages carry.</summary>
        public long WallClockMs { get { return _ctx.WallMs; } }

        /// <summary>False until the board's boot grace has passed: nothing is granted or fenced before.</summary>
        public bool Settled { get { return _ctx.BoardGraceOver; } }

        /// <summary>Milliseconds of boot grace left (0 once settled): published in BoardStatus so a reader knows how long to wait.</summary>
        public long SettleLeftMs { get { return _ctx.BoardGraceLeftMs; } }

        public int ChannelCount { get { return _units.Length; } }

        public ChannelView Channel(int index) { return _channelViews[index]; }

        public int GroupCount { get { return _groups.Length; } }

        public GroupView Group(int index) { return _groupViews[index]; }

        /// <summary>The output of the last call (the same object every call returns).</summary>
        public CoreOutput Output { get { return _output; } }

        /// <summary>One tick: read Input, judge every channel, run ladders and arbiters.</summary>
        public CoreOutput Tick(long wallClockMs)
        {
            Begin(wallClockMs);
            _ctx.Now++;
            if (_ctx.Now == 1)
            {
                for (int i = 0; i < _units.Length; i++) { _units[i].Start(); }
                _ctx.Event("board-started", Severity.Info, "", "", "persisted epoch " + PersistedEpochAtStart.ToString() + "; settling for " + _ctx.Config.Timing.BoardBootGraceMs.ToString() + " ms: nothing is granted or fenced before the members are heard");
            }

            for (int i = 0; i < _units.Length; i++) { _units[i].Tick(); }
            for (int g = 0; g < _groups.Length; g++) { _groups[g].Tick(); }
            bool periodic = _ctx.Now >= _nextReading;
            if (periodic)
            {
                _nextReading = _ctx.Now + _ctx.Timing.ReadingPeriod;
            }

            return Finish(periodic);
        }

        /// <summary>An agent's retained state (node/&lt;node&gt;/state), its grant taken as shown (no board key to check it).</summary>
        public CoreOutput Step(NodeState message, long wallClockMs)
        {
            return Step(message, true, wallClockMs);
        }

        /// <summary>
        /// An agent's retained state; <paramref name="grantProven"/> says whether the grant it hands
        /// back (NodeState.GrantProof) is sealed by a board key and names this node, role and epoch.
        /// Only a proven epoch above the board's own raises the counter; an active claim without a
        /// proven grant is one the board never granted (GroupArbiter.Claims.cs).
        /// </summary>
        public CoreOutput Step(NodeState message, bool grantProven, long wallClockMs)
        {
            Begin(wallClockMs);
            ChannelUnit? u = message == null ? null : Find(message.Node);
            if (u != null)
            {
                if (message!.Timestamp >= u.LastStateTimestamp)
                {
                    u.NoteHeard("its agent's state");
                    bool newer = message.Timestamp > u.LastStateTimestamp;
                    u.LastStateTimestamp = message.Timestamp;
                    u.NoteState(newer);
                    u.Health = message.Health;
                    u.ReportedRole = message.Role;
                    u.ReportedEpoch = message.Epoch;
                    u.Ready = message.Ready;
                    u.NotReadyReason = message.Ready ? "" : message.Reason;
                    bool proven = grantProven || message.Role != NodeRole.Active && message.Epoch <= _ctx.Epoch;
                    u.ClaimProven = proven;
                    if (message.Epoch > _ctx.Epoch && proven)
                    {
                        _ctx.Event("epoch-ahead", Severity.Warning, u.Config.Node, u.GroupName, "node reports epoch " + message.Epoch.ToString() + " above the board's " + _ctx.Epoch.ToString() + "; raising the board's counter to it, so the next grant is above it");
                        _ctx.Adopt(message.Epoch);
                    }
                    else if (message.Epoch > _ctx.Epoch && u.LastUnprovenEpoch != message.Epoch)
                    {
                        // Only the board's own signed word moves its counter: a claim alone could push
                        // it anywhere (and lift a forged grant's epoch above every real one).
                        u.LastUnprovenEpoch = message.Epoch;
                        _ctx.Event("epoch-unproven", Severity.Alert, u.Config.Node, u.GroupName, "node reports " + WireWords.Of(message.Role) + "@" + message.Epoch.ToString() + " above the board's " + _ctx.Epoch.ToString() + " with no grant sealed by a board key to show for it; the counter stays");
                    }

                    u.Rejudge();
                    if (u.Group != null)
                    {
                        u.Group.OnNodeState(u.MemberIndex);
                    }
                }
            }

            return Finish(false);
        }

        /// <summary>An agent's acknowledgement of a grant (node/&lt;node&gt;/grant/ack).</summary>
        public CoreOutput Step(GrantAck message, long wallClockMs)
        {
            Begin(wallClockMs);
            ChannelUnit? u = message == null ? null : Find(message.Node);
            if (u != null && u.Group != null)
            {
                u.Group.OnGrantAck(u.MemberIndex, message!);
            }

            return Finish(false);
        }

        /// <summary>A signed command (command/&lt;target&gt;): verified, then carried out or refused; always acknowledged.</summary>
        public CoreOutput Step(SignedCommand message, long wallClockMs)
        {
            Begin(wallClockMs);
            if (message != null)
            {
                _commands.Handle(message);
            }

            return Finish(false);
        }

        /// <summary>A node's presence word (node/&lt;node&gt;/status; its will says lost).</summary>
        public CoreOutput StepPresence(string node, Presence presence, long wallClockMs)
        {
            Begin(wallClockMs);
            ChannelUnit? u = Find(node);
            if (u != null && presence == Presence.Ready)
            {
                u.NoteHeard("its agent's presence");
            }

            if (u != null && u.Presence != presence)
            {
                u.Presence = presence;
                u.Rejudge();
            }

            return Finish(false);
        }

        private void Begin(long wallClockMs)
        {
            _output.Clear();
            _ctx.WallMs = wallClockMs;
        }

        private CoreOutput Finish(bool periodic)
        {
            for (int i = 0; i < _units.Length; i++)
            {
                ChannelUnit u = _units[i];
                RelayLevels levels = _output.Relay(i);
                u.WriteRelays(levels);
                int mask = levels.Mask;
                bool changed = mask != _readingMask[i] || u.State != _readingState[i] || u.Verdict != _readingVerdict[i];
                if ((periodic || changed) && _ctx.Now > 0)
                {
                    _readingMask[i] = mask;
                    _readingState[i] = u.State;
                    _readingVerdict[i] = u.Verdict;
                    PublishReading(i, mask);
                }
            }

            if (periodic && _ctx.Now > 0)
            {
                for (int g = 0; g < _groups.Length; g++) { _groups[g].RepublishRoles(); }
            }

            NoteLadder();
            NoteCommissioning();
            // The end of the boot grace is published at once, not at the next periodic reading
            // (10 s by default): commands and test fixtures wait for it.
            bool settledChanged = _ctx.Now > 0 && Settled != _statusSaidSettled;
            if (periodic || settledChanged)
            {
                _statusSaidSettled = Settled;
                _status.Epoch = _ctx.Epoch;
                _status.UptimeMs = _ctx.Now * _ctx.Timing.TickMs;
                _status.Settled = Settled;
                _status.SettleLeftMs = SettleLeftMs;
                _status.Timestamp = _ctx.WallMs;
                _output.Add(TopicKind.BoardState, _ctx.Config.Board, _status, true);
            }

            return _output;
        }

        private void PublishReading(int i, int mask)
        {
            ChannelUnit u = _units[i];
            ChannelReading r = _readings[i];
            r.State = u.State;
            r.Verdict = u.Verdict;
            r.HeartbeatEdges = u.Heartbeat.EdgesInWindow;
            long age = u.Heartbeat.TicksSinceEdge;
            r.HeartbeatAgeMs = age > _ctx.Now ? -1 : age * _ctx.Timing.TickMs;
            for (int p = 0; p < r.PowerGood.Length; p++) { r.PowerGood[p] = u.PowerGood(p); }
            for (int l = 0; l < r.Link.Length; l++) { r.Link[l] = u.Link(l); }
            r.Outputs = _outputWords[mask];
            r.Timestamp = _ctx.WallMs;
            _output.Add(TopicKind.BoardChannel, u.Config.Name, r, true);
        }

        private ChannelUnit? Find(string node)
        {
            for (int i = 0; i < _units.Length; i++) { if (_units[i].Config.Node == node) { return _units[i]; } }
            return null;
        }

        // ChannelReading.Outputs for every relay mask, built once so readings allocate nothing.
        private static string[][] BuildOutputWords()
        {
            string[] names = { "reset", "power", "fence", "role" };
            string[][] table = new string[16][];
            for (int mask = 0; mask < 16; mask++)
            {
                int count = 0;
                for (int b = 0; b < 4; b++) { if ((mask & (1 << b)) != 0) { count++; } }
                string[] words = new string[count];
                int w = 0;
                for (int b = 0; b < 4; b++) { if ((mask & (1 << b)) != 0) { words[w++] = names[b]; } }
                table[mask] = words;
            }

            return table;
        }
    }
}
