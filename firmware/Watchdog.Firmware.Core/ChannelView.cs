using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>Read-only view of one channel, for status pages, the simulator and tests.</summary>
    public sealed class ChannelView
    {
        private readonly ChannelUnit _unit;

        internal ChannelView(ChannelUnit unit) { _unit = unit; }

        public string Name { get { return _unit.Config.Name; } }

        public string Node { get { return _unit.Config.Node; } }

        public ChannelState State { get { return _unit.State; } }

        public Verdict Verdict { get { return _unit.Verdict; } }

        /// <summary>Ticks since the last heartbeat edge (large when none was ever seen).</summary>
        public long HeartbeatAgeTicks { get { return _unit.Heartbeat.TicksSinceEdge; } }

        /// <summary>Heartbeat edges in the last heartbeat-timeout window.</summary>
        public int HeartbeatEdgesInWindow { get { return _unit.Heartbeat.EdgesInWindow; } }

        /// <summary>Silence measured in expected heartbeat intervals x 100 (phi-like; 100 = one interval late). The hard timeout decides, not this.</summary>
        public int SuspicionPercent { get { return _unit.Heartbeat.SuspicionPercent; } }

        /// <summary>Debounced power-good level of input <paramref name="index"/>.</summary>
        public bool PowerGood(int index) { return _unit.PowerGood(index); }

        /// <summary>Debounced link level of input <paramref name="index"/>.</summary>
        public bool Link(int index) { return _unit.Link(index); }

        /// <summary>The ladder step that runs or runs next; -1 when no ladder is running.</summary>
        public int LadderIndex { get { return _unit.Ladder.Index; } }

        /// <summary>The step at LadderIndex, meaningful when LadderIndex is not -1.</summary>
        public LadderStep LadderStep { get { return _unit.Ladder.CurrentStep; } }

        /// <summary>Wire actions (reset, power cycle) inside the current cap window.</summary>
        public int AttemptsInWindow { get { return _unit.Ladder.Cap.Count; } }

        /// <summary>False while the node's agent says it is not ready to be promoted (NodeState.Ready); it is then never granted active.</summary>
        public bool Ready { get { return _unit.Ready; } }

        /// <summary>True while reset is held or the node is powered off and confirmed so: it cannot act.</summary>
        public bool ConfirmedOut { get { return _unit.ConfirmedOut; } }

        /// <summary>True while the channel is in the board's or its own boot grace, or in maintenance: nothing is done to it.</summary>
        public bool Quiet { get { return _unit.Quiet; } }
    }
}
