namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The ladder record: what the escalation ladders must remember across a board restart (a
    /// power cycle under way, the wall-clock times of recent wire actions), handed out in
    /// CoreOutput.Ladder for the glue to keep durable and taken back by RestoreLadder at start.
    /// </summary>
    public sealed partial class WatchdogCore
    {
        /// <summary>
        /// Hands the core what the ladders of the board's previous run had to remember
        /// (CoreOutput.Ladder as the glue stored it). Call it once, before the first Tick, with the
        /// wall clock now. Wire actions younger than the cap window count against the cap again
        /// (a time in the future, from a clock that was wrong, counts as now: the safe side), so a
        /// board that keeps restarting cannot reset a failing node more often than the cap allows.
        /// A power cycle under way is dropped after one debounce time if the server is on
        /// (power-good high, or its heartbeat runs), and otherwise finished once the board's grace
        /// is over: the press that powers the server on again. Returns "" or a sentence naming
        /// what was ignored (channels this config does not have, entries it cannot read).
        /// </summary>
        public string RestoreLadder(string entries, long wallClockMs)
        {
            if (_ctx.Now != 0)
            {
                throw new System.InvalidOperationException("RestoreLadder must be called before the first Tick");
            }

            string ignored = "";
            string rest = entries == null ? "" : entries;
            while (rest.Length > 0)
            {
                string entry = NextWord(ref rest);
                int colon = entry.IndexOf(':');
                int unit = colon < 0 ? -1 : FindChannel(entry.Substring(colon + 1));
                if (unit < 0 || !RestoreEntry(_units[unit], entry.Substring(0, colon), wallClockMs))
                {
                    ignored = ignored.Length == 0 ? entry : ignored + ", " + entry;
                    continue;
                }

                // The previous run acted on this channel, so it had heard it: commissioned, whatever
                // the epoch record says (a board that never issued an epoch keeps no such record).
                _ctx.CommissioningChanged |= !_units[unit].Commissioned;
                _units[unit].Commissioned = true;
                _inLadderRecord[unit] = true;
                _powerCycling[unit] = _units[unit].Ladder.Wires.PowerCycleUnderWay;
                _attemptsVersion[unit] = _units[unit].Ladder.Cap.Version;
            }

            return ignored.Length == 0 ? "" : "ladder record entries not restored (no such channel in this config, or not readable): " + ignored;
        }

        // "cycling", or wall-clock times "<ms>,<ms>"; false when it is neither.
        private bool RestoreEntry(ChannelUnit unit, string what, long wallClockMs)
        {
            if (what == "cycling")
            {
                unit.Ladder.ResumePowerCycle();
                return true;
            }

            long window = (long)_ctx.Config.Escalation.CapWindowMs;
            string times = what;
            while (times.Length > 0)
            {
                int comma = times.IndexOf(',');
                string digits = comma < 0 ? times : times.Substring(0, comma);
                times = comma < 0 ? "" : times.Substring(comma + 1);
                long wall;
                if (!TryParseMs(digits, out wall))
                {
                    return false;
                }

                long age = wallClockMs - wall;
                if (age < 0) { age = 0; }
                if (age < window) { unit.Ladder.Cap.Restore(wall, age); }
            }

            return what.Length > 0;
        }

        /// <summary>The first space-separated word of a record (records hold names without spaces); the rest stays in <paramref name="rest"/>.</summary>
        private static string NextWord(ref string rest)
        {
            int space = rest.IndexOf(' ');
            string word = space < 0 ? rest : rest.Substring(0, space);
            rest = space < 0 ? "" : rest.Substring(space + 1);
            return word;
        }

        private static bool TryParseMs(string digits, out long value)
        {
            value = 0;
            if (digits.Length == 0 || digits.Length > 18) { return false; }
            for (int i = 0; i < digits.Length; i++)
            {
                char c = digits[i];
                if (c < '0' || c > '9') { return false; }
                value = (value * 10) + (c - '0');
            }

            return value > 0;
        }

        private int FindChannel(string name)
        {
            for (int i = 0; i < _units.Length; i++) { if (_units[i].Config.Name == name) { return i; } }
            return -1;
        }

        // What the ladders must remember across a restart, for the glue to keep durable; the
        // string is built only when a power cycle starts or ends or an attempt is recorded, so
        // steady ticks allocate nothing.
        private void NoteLadder()
        {
            bool changed = false;
            for (int i = 0; i < _units.Length; i++)
            {
                EscalationLadder ladder = _units[i].Ladder;
                if (ladder.Wires.PowerCycleUnderWay != _powerCycling[i] || ladder.Cap.Version != _attemptsVersion[i])
                {
                    _powerCycling[i] = ladder.Wires.PowerCycleUnderWay;
                    _attemptsVersion[i] = ladder.Cap.Version;
                    changed = true;
                }
            }

            if (!changed)
            {
                return;
            }

            string entries = "";
            for (int i = 0; i < _units.Length; i++)
            {
                if (_powerCycling[i]) { entries = Append(entries, "cycling:" + _units[i].Config.Name); }
                entries = Append(entries, _units[i].Ladder.Cap.Entry(_units[i].Config.Name));
            }

            _output.SetLadder(entries);
        }

        private static string Append(string entries, string entry)
        {
            return entry.Length == 0 ? entries : entries.Length == 0 ? entry : entries + " " + entry;
        }
    }
}
