namespace Watchdog.Protocol.Wire
{
    /// <summary>
    /// The explicit word for every enum value on the wire, and the way back. Arrays indexed by
    /// the enum's value, so formatting allocates nothing and works on the device.
    /// </summary>
    public static class WireWords
    {
        // The tables, internal so that the codec looks words up without copying them; never written.
        internal static readonly string[] Roles = { "none", "standby", "active" };
        internal static readonly string[] Healths = { "unknown", "healthy", "degraded", "failing" };
        internal static readonly string[] Presences = { "init", "ready", "disconnected", "lost", "alert" };
        internal static readonly string[] ChannelStates = { "unknown", "booting", "healthy", "suspect", "failed", "recovering", "fenced", "maintenance", "absent" };
        internal static readonly string[] Verdicts = { "none", "software-failure", "power-failure", "redundancy-lost", "network-failure", "broker-path-lost", "service-failure" };
        internal static readonly string[] GroupModes = { "active-standby", "active-active" };
        internal static readonly string[] Severities = { "info", "warning", "alert", "critical" };
        internal static readonly string[] Actions = { "switchover", "failback", "fence", "unfence", "reset", "power-cycle", "maintenance-on", "maintenance-off" };
        internal static readonly string[] CommandVerdicts = { "accepted", "malformed", "unknown-key", "bad-signature", "expired", "not-yet-valid", "replayed", "stale-epoch", "wrong-target", "not-allowed" };
        internal static readonly string[] AgentRequests = { "restart-service", "demote" };
        internal static readonly string[] PairStates = { "booting", "passive", "confirming", "authority" };

        // The group arbiter's phases (Watchdog.Firmware.Core.GroupPhase, in its order): the core's enum, the protocol's words.
        internal static readonly string[] GroupPhases = { "settling", "stable", "demoting", "fencing" };

        public static string Of(NodeRole value) { return Roles[(int)value]; }
        public static string Of(Health value) { return Healths[(int)value]; }
        public static string Of(Presence value) { return Presences[(int)value]; }
        public static string Of(ChannelState value) { return ChannelStates[(int)value]; }
        public static string Of(Verdict value) { return Verdicts[(int)value]; }
        public static string Of(GroupMode value) { return GroupModes[(int)value]; }
        public static string Of(Severity value) { return Severities[(int)value]; }
        public static string Of(CommandAction value) { return Actions[(int)value]; }
        public static string Of(CommandVerdict value) { return CommandVerdicts[(int)value]; }
        public static string Of(AgentRequestKind value) { return AgentRequests[(int)value]; }
        public static string Of(PairState value) { return PairStates[(int)value]; }

        public static bool TryParse(string word, out NodeRole value) { int i = IndexOf(Roles, word); value = (NodeRole)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out Health value) { int i = IndexOf(Healths, word); value = (Health)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out Presence value) { int i = IndexOf(Presences, word); value = (Presence)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out ChannelState value) { int i = IndexOf(ChannelStates, word); value = (ChannelState)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out Verdict value) { int i = IndexOf(Verdicts, word); value = (Verdict)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out GroupMode value) { int i = IndexOf(GroupModes, word); value = (GroupMode)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out Severity value) { int i = IndexOf(Severities, word); value = (Severity)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out CommandAction value) { int i = IndexOf(Actions, word); value = (CommandAction)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out CommandVerdict value) { int i = IndexOf(CommandVerdicts, word); value = (CommandVerdict)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out AgentRequestKind value) { int i = IndexOf(AgentRequests, word); value = (AgentRequestKind)(i < 0 ? 0 : i); return i >= 0; }
        public static bool TryParse(string word, out PairState value) { int i = IndexOf(PairStates, word); value = (PairState)(i < 0 ? 0 : i); return i >= 0; }

        /// <summary>All words of one table, for documentation and tests.</summary>
        public static string[] AllRoles() { return (string[])Roles.Clone(); }
        public static string[] AllChannelStates() { return (string[])ChannelStates.Clone(); }
        public static string[] AllVerdicts() { return (string[])Verdicts.Clone(); }
        public static string[] AllActions() { return (string[])Actions.Clone(); }
        public static string[] AllCommandVerdicts() { return (string[])CommandVerdicts.Clone(); }
        public static string[] AllHealths() { return (string[])Healths.Clone(); }
        public static string[] AllPresences() { return (string[])Presences.Clone(); }
        public static string[] AllGroupModes() { return (string[])GroupModes.Clone(); }
        public static string[] AllSeverities() { return (string[])Severities.Clone(); }
        public static string[] AllAgentRequests() { return (string[])AgentRequests.Clone(); }
        public static string[] AllPairStates() { return (string[])PairStates.Clone(); }
        public static string[] AllGroupPhases() { return (string[])GroupPhases.Clone(); }

        /// <summary>The words of a table as "a, b, c", for error messages.</summary>
        public static string Join(string[] words)
        {
            string result = "";
            for (int i = 0; i < words.Length; i++)
            {
                result = i == 0 ? words[i] : result + ", " + words[i];
            }

            return result;
        }

        private static int IndexOf(string[] table, string word)
        {
            if (word == null)
            {
                return -1;
            }

            for (int i = 0; i < table.Length; i++)
            {
                if (table[i] == word)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
