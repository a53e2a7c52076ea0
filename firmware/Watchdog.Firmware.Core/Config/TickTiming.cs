namespace Watchdog.Firmware.Core.Config
{
    /// <summary>The configuration's milliseconds converted once to ticks (rounded up, at least 1).</summary>
    internal sealed class TickTiming
    {
        public TickTiming(BoardConfig config)
        {
            TimingConfig t = config.Timing;
            EscalationConfig e = config.Escalation;
            TickMs = t.TickMs;
            HeartbeatPeriod = Ticks(t.HeartbeatPeriodMs);
            HeartbeatSuspect = Ticks(t.HeartbeatSuspectMs);
            HeartbeatTimeout = Ticks(t.HeartbeatTimeoutMs);
            Debounce = Ticks(t.DebounceMs);
            BoardBootGrace = Ticks(t.BoardBootGraceMs);
            NodeBootGrace = Ticks(t.NodeBootGraceMs);
            RecoveryStable = Ticks(t.RecoveryStableMs);
            ResetPulse = Ticks(t.ResetPulseMs);
            PowerHold = Ticks(t.PowerHoldMs);
            PowerPress = Ticks(t.PowerPressMs);
            PowerOffConfirm = Ticks(t.PowerOffConfirmMs);
            PowerOffWait = Ticks(t.PowerOffWaitMs);
            FenceConfirm = Ticks(t.FenceConfirmMs);
            RestartServiceTimeout = Ticks(t.RestartServiceTimeoutMs);
            DemoteAckTimeout = Ticks(t.DemoteAckTimeoutMs);
            GrantAckTimeout = Ticks(t.GrantAckTimeoutMs);
            NodeSilence = t.NodeSilenceMs == 0 ? 0 : Ticks(t.NodeSilenceMs);
            ReadingPeriod = Ticks(t.ReadingPeriodMs);
            Backoff = Ticks(e.BackoffMs);
            BackoffMax = Ticks(e.BackoffMaxMs);
            CapWindow = Ticks(e.CapWindowMs);
        }

        public int TickMs { get; }
        public int HeartbeatPeriod { get; }
        public int HeartbeatSuspect { get; }
        public int HeartbeatTimeout { get; }
        public int Debounce { get; }
        public int BoardBootGrace { get; }
        public int NodeBootGrace { get; }
        public int RecoveryStable { get; }
        public int ResetPulse { get; }
        public int PowerHold { get; }
        public int PowerPress { get; }
        public int PowerOffConfirm { get; }
        public int PowerOffWait { get; }
        public int FenceConfirm { get; }
        public int RestartServiceTimeout { get; }
        public int DemoteAckTimeout { get; }
        public int GrantAckTimeout { get; }

        /// <summary>Ticks without a state from an agent before its broker path counts as lost; 0: off.</summary>
        public int NodeSilence { get; }
        public int ReadingPeriod { get; }
        public int Backoff { get; }
        public int BackoffMax { get; }
        public int CapWindow { get; }

        public int Ticks(int ms)
        {
            int ticks = (ms + TickMs - 1) / TickMs;
            return ticks < 1 ? 1 : ticks;
        }
    }
}
