namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The commissioning record: which members this board has ever heard, kept durable with the
    /// epoch (CoreOutput.Commissioned) and handed back by RestoreCommissioned at start. A member
    /// outside it that stays silent through the board's grace is absent: its agent is not
    /// installed yet, or the server is not racked. It gets no reset, no power action and no
    /// claim on the active role, so a board that starts before its agents holds nobody off.
    /// </summary>
    public sealed partial class WatchdogCore
    {
        // Channels named in the restored ladder record: the previous run acted on them.
        private bool[] _inLadderRecord = new bool[0];

        /// <summary>
        /// Hands the core the commissioning record of the board's previous run (CoreOutput.Commissioned
        /// as the glue stored it with the epoch: channel names separated by spaces). Call it once,
        /// before the first Tick. Without it, a board with a persisted epoch counts every member as
        /// commissioned (a store from before the record: the safe side). A channel in the restored
        /// ladder record counts as commissioned either way. Returns "" or a sentence
        /// naming the names this config does not have.
        /// </summary>
        public string RestoreCommissioned(string channels)
        {
            if (_ctx.Now != 0)
            {
                throw new System.InvalidOperationException("RestoreCommissioned must be called before the first Tick");
            }

            for (int i = 0; i < _units.Length; i++) { _units[i].Commissioned = _inLadderRecord[i]; }
            string ignored = "";
            string rest = channels == null ? "" : channels;
            while (rest.Length > 0)
            {
                string name = NextWord(ref rest);
                if (name.Length == 0)
                {
                    continue;
                }

                int unit = FindChannel(name);
                if (unit < 0)
                {
                    ignored = ignored.Length == 0 ? name : ignored + ", " + name;
                    continue;
                }

                _units[unit].Commissioned = true;
            }

            _output.Commissioned = CommissionedList();
            return ignored.Length == 0 ? "" : "commissioning record names channels this config does not have: " + ignored;
        }

        /// <summary>Whether channel <paramref name="index"/> counts as commissioned (heard by this board, now or before).</summary>
        public bool Commissioned(int index) { return _units[index].Commissioned; }

        // The string is built only when a member is heard for the first time ever.
        private void NoteCommissioning()
        {
            if (!_ctx.CommissioningChanged)
            {
                return;
            }

            _ctx.CommissioningChanged = false;
            _output.Commissioned = CommissionedList();
        }

        private string CommissionedList()
        {
            string list = "";
            for (int i = 0; i < _units.Length; i++)
            {
                if (_units[i].Commissioned) { list = list.Length == 0 ? _units[i].Config.Name : list + " " + _units[i].Config.Name; }
            }

            return list;
        }
    }
}
