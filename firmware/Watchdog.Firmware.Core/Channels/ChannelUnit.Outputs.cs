using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The channel's outputs: the reset, power, fence and ROLE relays, and the holds that drive
    /// them (the ladder's, the arbiter's takeover hold, an operator's fence), with what ends them.
    /// </summary>
    internal sealed partial class ChannelUnit
    {
        // Outputs: pulses belong to the ladder or a command; holds to the ladder, the arbiter or a command.
        public bool PulseReset { get; set; }
        public bool PressPower { get; set; }
        public bool HoldReset { get; private set; }
        public bool HoldFence { get; private set; }
        public bool RoleOut { get; set; }

        /// <summary>Held in reset by the arbiter so another member could take over; released (or kept) after the takeover.</summary>
        public bool TakeoverHeld { get; private set; }

        /// <summary>Hold reset (and the fence relay when wanted and wired) and enter Fenced.</summary>
        public void Hold(bool fenceRelay, string why)
        {
            PulseReset = false;
            PressPower = false;
            HoldReset = true;
            HoldFence = fenceRelay && Config.HasFence;
            Fire(ChannelTrigger.FenceHeld, why);
        }

        /// <summary>The arbiter's STONITH: hold reset now so another member can take over.</summary>
        public void TakeoverHold(string why)
        {
            Ladder.CancelWireAction();
            TakeoverHeld = true;
            Hold(Config.HasFence, why);
        }

        /// <summary>
        /// After the takeover is published: the hold counts as the ladder's reset when the ladder
        /// still has a reset or power cycle to try; otherwise the node stays held (isolated).
        /// </summary>
        public void ReleaseAfterTakeover()
        {
            if (!TakeoverHeld)
            {
                return;
            }

            TakeoverHeld = false;
            if (State == ChannelState.Fenced && Ladder.TakeHoldAsReset())
            {
                HoldReset = false;
                HoldFence = false;
                Fire(ChannelTrigger.ActionTaken, "takeover hold released: it served as the reset");
                EnterGrace();
            }
            else if (State == ChannelState.Fenced && Ladder.Verdict == Verdict.PowerFailure && Ladder.Index >= 0 && !Ladder.Cap.Reached)
            {
                // It lost power: holding reset on a dead server protects nothing once its grant
                // says standby; when power returns it boots and its agent reads that grant. The
                // hold still counts against the cap: "no power" is what the power-good wires
                // say, and with broken sensors the hold reset a running server.
                Ladder.Cap.Record();
                HoldReset = false;
                HoldFence = false;
                Fire(ChannelTrigger.ActionTaken, "takeover hold released: the node has no power; it will boot as standby");
                EnterGrace();
            }
            else
            {
                _ctx.Event("held-after-takeover", Severity.Critical, Config.Node, GroupName, "the ladder has no reset or power cycle left (or its cap is reached): the node stays held until an operator unfences it");
            }
        }

        /// <summary>An operator's unfence: release everything and boot with a fresh ladder.</summary>
        public void Unfence()
        {
            HoldReset = false;
            HoldFence = false;
            TakeoverHeld = false;
            Ladder.Clear();
            Fire(ChannelTrigger.Unfenced, "unfenced by command");
            EnterGrace();
        }

        public void MaintenanceOn()
        {
            // The ladder stops, but its cap window keeps counting: maintenance does not mend a node.
            Ladder.CancelWireAction();
            Ladder.Reset();
            Fire(ChannelTrigger.MaintenanceOn, "maintenance on by command");
        }

        public void MaintenanceOff()
        {
            Fire(ChannelTrigger.MaintenanceOff, "maintenance off by command");
            EnterGrace();
        }

        /// <summary>Levels for this channel now.</summary>
        public void WriteRelays(RelayLevels levels)
        {
            bool reset = HoldReset || PulseReset;
            levels.Set(reset, PressPower, HoldFence && Config.HasFence, RoleOut && Config.HasRole);
            _resetDriven = reset;
        }
    }
}
