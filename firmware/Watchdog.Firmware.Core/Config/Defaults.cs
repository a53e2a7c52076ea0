namespace Watchdog.Firmware.Core.Config
{
    /// <summary>
    /// Every default in one place, each with the reason it has this value. BoardConfigValidator
    /// holds the allowed ranges; docs and README quote these.
    /// </summary>
    public static class Defaults
    {
        /// <summary>50 ms: twice as fine as the device's ~10-20 ms timer and thread resolution needs, and
        /// fine enough to see a 250 ms heartbeat period five times over.</summary>
        public const int TickMs = 50;

        /// <summary>250 ms: an agent toggling four times a second costs nothing and lets a hang be seen within about a second.</summary>
        public const int HeartbeatPeriodMs = 250;

        /// <summary>600 ms: more than two periods of silence is worth reporting (Suspect) but not acting on.</summary>
        public const int HeartbeatSuspectMs = 600;

        /// <summary>1500 ms: six periods, so a GC pause or a scheduler hiccup in the agent never decides; the hard timeout decides.</summary>
        public const int HeartbeatTimeoutMs = 1500;

        /// <summary>200 ms: a front-panel LED header and a NIC link LED flicker for tens of ms; a real loss lasts.</summary>
        public const int DebounceMs = 200;

        /// <summary>10 s: after the board starts, long enough for every agent to publish its retained state again before the board judges roles.</summary>
        public const int BoardBootGraceMs = 10000;

        /// <summary>180 s: a server's firmware POST plus an OS boot and the agent start; nothing is judged during it.</summary>
        public const int NodeBootGraceMs = 180000;

        /// <summary>10 s: a heartbeat that came back must stay that long before the node counts as healthy again.</summary>
        public const int RecoveryStableMs = 10000;

        /// <summary>200 ms: ATX reset needs a few ms; 200 ms is unmistakable for any board.</summary>
        public const int ResetPulseMs = 200;

        /// <summary>6 s: an ATX forced power-off needs the button held for 4-5 s.</summary>
        public const int PowerHoldMs = 6000;

        /// <summary>300 ms: a short press powers on; long enough for slow front-panel debouncing.</summary>
        public const int PowerPressMs = 300;

        /// <summary>3 s: after the hold, power-good must be low within this time or the power-off did not work.</summary>
        public const int PowerOffConfirmMs = 3000;

        /// <summary>5 s: let the PSU discharge before pressing power again.</summary>
        public const int PowerOffWaitMs = 5000;

        /// <summary>100 ms: reset must have been held through at least two glue cycles before a node counts as out.</summary>
        public const int FenceConfirmMs = 100;

        /// <summary>
        /// 40 ms: the longest a server may run on once the board drives its reset, until measured:
        /// a mechanical or reed relay closes in 5-15 ms plus bounce, and a chipset debounces its
        /// front-panel reset for about 16 ms more (hardware/README.md). fence_confirm_ms may not be
        /// shorter: a server still running when the board counts it out acts beside its successor.
        /// </summary>
        public const int ResetStopMs = 40;

        /// <summary>30 s: a service restart (systemctl restart) normally finishes well within this.</summary>
        public const int RestartServiceTimeoutMs = 30000;

        /// <summary>3 s: an agent that can hear the broker acknowledges a demotion within a second; after that the board fences.</summary>
        public const int DemoteAckTimeoutMs = 3000;

        /// <summary>
        /// 10 s: an agent acknowledges a grant of active once its promote hooks and the virtual IP
        /// are done, which takes well under a second without hooks and a few seconds with a
        /// database's promote. No acknowledgement by then: the board alerts and moves the role on.
        /// </summary>
        public const int GrantAckTimeoutMs = 10000;

        /// <summary>
        /// 12 s: an agent republishes its state every 5 s (Mqtt:StatePublishMs); two missed states
        /// and 2 s of slack mean its path to the broker is gone, well before the broker's will
        /// (1.5 keep-alives, 22.5 s at the agent's default 15 s). 0 turns the check off.
        /// </summary>
        public const int NodeSilenceMs = 12000;

        /// <summary>10 s: retained channel readings are republished this often even without change, so readers can judge freshness.</summary>
        public const int ReadingPeriodMs = 10000;

        /// <summary>60 s: a preferred member must prove itself for a minute before roles move back to it.</summary>
        public const int FailbackStableMs = 60000;

        /// <summary>5 s: the first wait between ladder steps; doubles per attempt so a flapping node is not hammered.</summary>
        public const int BackoffMs = 5000;

        /// <summary>5 min: back-off never grows beyond this.</summary>
        public const int BackoffMaxMs = 300000;

        /// <summary>3: three wire actions (reset, power cycle) per window; the fourth would be a reset loop, so the node is held instead.</summary>
        public const int CapAttempts = 3;

        /// <summary>1 h: the window the cap counts in.</summary>
        public const int CapWindowMs = 3600000;

        /// <summary>A hang: say so, reset, power cycle, then hold it in reset.</summary>
        public static LadderStep[] SoftwareFailureLadder()
        {
            return new LadderStep[] { LadderStep.Notify, LadderStep.Reset, LadderStep.PowerCycle, LadderStep.Hold };
        }

        /// <summary>Power lost: the node is out already; pressing power on a dead PSU helps nobody. Say so.</summary>
        public static LadderStep[] PowerFailureLadder()
        {
            return new LadderStep[] { LadderStep.Notify };
        }

        /// <summary>A failing service: ask the agent first, then the wires.</summary>
        public static LadderStep[] ServiceFailureLadder()
        {
            return new LadderStep[] { LadderStep.Notify, LadderStep.RestartService, LadderStep.Reset, LadderStep.PowerCycle, LadderStep.Hold };
        }

        /// <summary>Redundancy lost, network failure, broker path lost: alert; the group arbiter handles roles.</summary>
        public static LadderStep[] NotifyOnlyLadder()
        {
            return new LadderStep[] { LadderStep.Notify };
        }
    }
}
