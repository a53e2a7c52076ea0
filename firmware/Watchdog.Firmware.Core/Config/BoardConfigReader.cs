using Watchdog.Protocol.Json;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Config
{
    /// <summary>
    /// Reads a board configuration from JSON (snake_case fields, see docs and the example in the
    /// README) and validates it. Unlike the wire reader it is strict: an unknown field is an error,
    /// because a misspelt timeout silently falling back to its default is how a watchdog ends up
    /// resetting healthy servers. Absent optional fields take their Defaults.
    /// </summary>
    public static class BoardConfigReader
    {
        private static readonly string[] RootFields = { "board", "cluster", "channels", "groups", "timing", "escalation", "pair" };
        private static readonly string[] PairFields =
        {
            "peer", "preferred", "heartbeat_period_ms", "peer_timeout_ms", "link_period_ms", "link_timeout_ms", "priority_delay_ms",
            "confirm_ms", "peer_boot_grace_ms", "epoch_block",
        };
        private static readonly string[] ChannelFields = { "name", "node", "power_good_inputs", "link_inputs", "has_fence", "has_role" };
        private static readonly string[] GroupFields = { "name", "mode", "members", "failback", "failback_stable_ms", "network_failure", "allow_fence_last_healthy", "site_ticket" };
        private static readonly string[] TimingFields =
        {
            "tick_ms", "heartbeat_period_ms", "heartbeat_suspect_ms", "heartbeat_timeout_ms", "debounce_ms", "board_boot_grace_ms",
            "node_boot_grace_ms", "recovery_stable_ms", "reset_pulse_ms", "power_hold_ms", "power_press_ms", "power_off_confirm_ms",
            "power_off_wait_ms", "fence_confirm_ms", "reset_stop_ms", "restart_service_timeout_ms", "demote_ack_timeout_ms", "grant_ack_timeout_ms", "node_silence_ms", "reading_period_ms",
        };

        private static readonly string[] EscalationFields =
        {
            "software_failure", "power_failure", "redundancy_lost", "network_failure", "broker_path_lost", "service_failure",
            "backoff_ms", "backoff_max_ms", "cap_attempts", "cap_window_ms",
        };

        /// <summary>Parse and validate; on failure config is null and error names the field and the problem.</summary>
        public static bool TryRead(byte[] utf8Json, out BoardConfig? config, out string error)
        {
            config = null;
            if (utf8Json == null || utf8Json.Length == 0)
            {
                error = "configuration is empty";
                return false;
            }

            JsonLimits limits = new JsonLimits();
            limits.MaxBytes = 262144;
            limits.MaxDepth = 8;
            limits.MaxStringLength = 256;
            limits.MaxMembers = 1024;
            JsonNode? root;
            CodecError? parseError;
            if (!JsonParser.TryParse(utf8Json, 0, utf8Json.Length, limits, out root, out parseError))
            {
                error = "configuration is not valid JSON: " + (parseError == null ? "unknown error" : parseError.ToString());
                return false;
            }

            Fields f = new Fields();
            BoardConfig c = new BoardConfig();
            if (f.Object(root!, "configuration", RootFields))
            {
                c.Board = f.String(root!, "", "board", true, "");
                c.Cluster = f.String(root!, "", "cluster", true, "");
                ReadTiming(f, root!.Get("timing"), c.Timing);
                ReadEscalation(f, root!.Get("escalation"), c.Escalation);
                c.Channels = ReadChannels(f, root!.Get("channels"));
                c.Groups = ReadGroups(f, root!.Get("groups"));
                c.Pair = ReadPair(f, root!.Get("pair"));
            }

            if (f.Error.Length > 0)
            {
                error = f.Error;
                return false;
            }

            error = BoardConfigValidator.Validate(c);
            if (error.Length > 0)
            {
                return false;
            }

            config = c;
            return true;
        }

        private static void ReadTiming(Fields f, JsonNode? node, TimingConfig t)
        {
            if (node == null || !f.Object(node, "timing", TimingFields)) { return; }
            const string At = "timing.";
            t.TickMs = f.Int(node, At, "tick_ms", t.TickMs);
            t.HeartbeatPeriodMs = f.Int(node, At, "heartbeat_period_ms", t.HeartbeatPeriodMs);
            t.HeartbeatSuspectMs = f.Int(node, At, "heartbeat_suspect_ms", t.HeartbeatSuspectMs);
            t.HeartbeatTimeoutMs = f.Int(node, At, "heartbeat_timeout_ms", t.HeartbeatTimeoutMs);
            t.DebounceMs = f.Int(node, At, "debounce_ms", t.DebounceMs);
            t.BoardBootGraceMs = f.Int(node, At, "board_boot_grace_ms", t.BoardBootGraceMs);
            t.NodeBootGraceMs = f.Int(node, At, "node_boot_grace_ms", t.NodeBootGraceMs);
            t.RecoveryStableMs = f.Int(node, At, "recovery_stable_ms", t.RecoveryStableMs);
            t.ResetPulseMs = f.Int(node, At, "reset_pulse_ms", t.ResetPulseMs);
            t.PowerHoldMs = f.Int(node, At, "power_hold_ms", t.PowerHoldMs);
            t.PowerPressMs = f.Int(node, At, "power_press_ms", t.PowerPressMs);
            t.PowerOffConfirmMs = f.Int(node, At, "power_off_confirm_ms", t.PowerOffConfirmMs);
            t.PowerOffWaitMs = f.Int(node, At, "power_off_wait_ms", t.PowerOffWaitMs);
            t.FenceConfirmMs = f.Int(node, At, "fence_confirm_ms", t.FenceConfirmMs);
            t.ResetStopMs = f.Int(node, At, "reset_stop_ms", t.ResetStopMs);
            t.RestartServiceTimeoutMs = f.Int(node, At, "restart_service_timeout_ms", t.RestartServiceTimeoutMs);
            t.DemoteAckTimeoutMs = f.Int(node, At, "demote_ack_timeout_ms", t.DemoteAckTimeoutMs);
            t.GrantAckTimeoutMs = f.Int(node, At, "grant_ack_timeout_ms", t.GrantAckTimeoutMs);
            t.NodeSilenceMs = f.Int(node, At, "node_silence_ms", t.NodeSilenceMs);
            t.ReadingPeriodMs = f.Int(node, At, "reading_period_ms", t.ReadingPeriodMs);
        }

        private static void ReadEscalation(Fields f, JsonNode? node, EscalationConfig e)
        {
            if (node == null || !f.Object(node, "escalation", EscalationFields)) { return; }
            const string At = "escalation.";
            e.SoftwareFailure = f.Ladder(node, At, "software_failure", e.SoftwareFailure);
            e.PowerFailure = f.Ladder(node, At, "power_failure", e.PowerFailure);
            e.RedundancyLost = f.Ladder(node, At, "redundancy_lost", e.RedundancyLost);
            e.NetworkFailure = f.Ladder(node, At, "network_failure", e.NetworkFailure);
            e.BrokerPathLost = f.Ladder(node, At, "broker_path_lost", e.BrokerPathLost);
            e.ServiceFailure = f.Ladder(node, At, "service_failure", e.ServiceFailure);
            e.BackoffMs = f.Int(node, At, "backoff_ms", e.BackoffMs);
            e.BackoffMaxMs = f.Int(node, At, "backoff_max_ms", e.BackoffMaxMs);
            e.CapAttempts = f.Int(node, At, "cap_attempts", e.CapAttempts);
            e.CapWindowMs = f.Int(node, At, "cap_window_ms", e.CapWindowMs);
        }

        private static PairConfig? ReadPair(Fields f, JsonNode? node)
        {
            if (node == null || !f.Object(node, "pair", PairFields)) { return null; }
            const string At = "pair.";
            PairConfig p = new PairConfig();
            p.Peer = f.String(node, At, "peer", true, "");
            p.Preferred = f.Bool(node, At, "preferred", false);
            p.HeartbeatPeriodMs = f.Int(node, At, "heartbeat_period_ms", p.HeartbeatPeriodMs);
            p.PeerTimeoutMs = f.Int(node, At, "peer_timeout_ms", p.PeerTimeoutMs);
            p.LinkPeriodMs = f.Int(node, At, "link_period_ms", p.LinkPeriodMs);
            p.LinkTimeoutMs = f.Int(node, At, "link_timeout_ms", p.LinkTimeoutMs);
            p.PriorityDelayMs = f.Int(node, At, "priority_delay_ms", p.PriorityDelayMs);
            p.ConfirmMs = f.Int(node, At, "confirm_ms", p.ConfirmMs);
            p.PeerBootGraceMs = f.Int(node, At, "peer_boot_grace_ms", p.PeerBootGraceMs);
            p.EpochBlock = f.Int(node, At, "epoch_block", p.EpochBlock);
            return p;
        }

        private static ChannelConfig[] ReadChannels(Fields f, JsonNode? node)
        {
            if (node == null)
            {
                f.Fail("channels is missing: list one entry per wired server");
                return new ChannelConfig[0];
            }

            if (!f.Array(node, "channels")) { return new ChannelConfig[0]; }
            ChannelConfig[] channels = new ChannelConfig[node.Count];
            for (int i = 0; i < node.Count; i++)
            {
                string at = "channels[" + i.ToString() + "]";
                JsonNode item = node.Item(i);
                ChannelConfig c = new ChannelConfig();
                channels[i] = c;
                if (!f.Object(item, at, ChannelFields)) { continue; }
                at = at + ".";
                c.Name = f.String(item, at, "name", true, "");
                c.Node = f.String(item, at, "node", true, "");
                c.PowerGoodInputs = f.Int(item, at, "power_good_inputs", c.PowerGoodInputs);
                c.LinkInputs = f.Int(item, at, "link_inputs", c.LinkInputs);
                c.HasFence = f.Bool(item, at, "has_fence", false);
                c.HasRole = f.Bool(item, at, "has_role", false);
            }

            return channels;
        }

        private static GroupConfig[] ReadGroups(Fields f, JsonNode? node)
        {
            if (node == null) { return new GroupConfig[0]; }
            if (!f.Array(node, "groups")) { return new GroupConfig[0]; }
            GroupConfig[] groups = new GroupConfig[node.Count];
            for (int i = 0; i < node.Count; i++)
            {
                string at = "groups[" + i.ToString() + "]";
                JsonNode item = node.Item(i);
                GroupConfig g = new GroupConfig();
                groups[i] = g;
                if (!f.Object(item, at, GroupFields)) { continue; }
                at = at + ".";
                g.Name = f.String(item, at, "name", true, "");
                string mode = f.String(item, at, "mode", false, "active-standby");
                GroupMode parsedMode;
                if (WireWords.TryParse(mode, out parsedMode)) { g.Mode = parsedMode; }
                else { f.Fail(at + "mode: '" + mode + "' is not a group mode; use active-standby or active-active"); }
                string failback = f.String(item, at, "failback", false, "automatic");
                FailbackPolicy policy;
                if (ConfigWords.TryParse(failback, out policy)) { g.Failback = policy; }
                else { f.Fail(at + "failback: '" + failback + "' is not a failback policy; use automatic or manual"); }
                g.FailbackStableMs = f.Int(item, at, "failback_stable_ms", g.FailbackStableMs);
                string network = f.String(item, at, "network_failure", false, "demote");
                NetworkFailurePolicy onNetwork;
                if (ConfigWords.TryParse(network, out onNetwork)) { g.NetworkFailure = onNetwork; }
                else { f.Fail(at + "network_failure: '" + network + "' is not a network-failure policy; use demote or fence"); }
                g.AllowFenceLastHealthy = f.Bool(item, at, "allow_fence_last_healthy", false);
                g.SiteTicket = f.Bool(item, at, "site_ticket", false);
                g.Members = f.Strings(item, at, "members");
            }

            return groups;
        }

        /// <summary>Typed field access that keeps the first error, naming the field.</summary>
        private sealed class Fields
        {
            public string Error { get; private set; } = "";

            public void Fail(string message)
            {
                if (Error.Length == 0) { Error = message; }
            }

            public bool Object(JsonNode node, string at, string[] known)
            {
                if (node.Kind != JsonKind.Object)
                {
                    Fail(at + " must be a JSON object, not " + JsonNode.Describe(node.Kind));
                    return false;
                }

                for (int i = 0; i < node.Count; i++)
                {
                    string name = node.Name(i);
                    bool found = false;
                    for (int k = 0; k < known.Length; k++) { if (known[k] == name) { found = true; break; } }
                    if (!found)
                    {
                        string prefix = at == "configuration" ? "" : at + ".";
                        Fail(prefix + name + ": unknown field (known: " + Join(known) + ")");
                        return false;
                    }
                }

                return true;
            }

            public bool Array(JsonNode node, string at)
            {
                if (node.Kind != JsonKind.Array)
                {
                    Fail(at + " must be a JSON array, not " + JsonNode.Describe(node.Kind));
                    return false;
                }

                return true;
            }

            public string String(JsonNode obj, string at, string name, bool required, string fallback)
            {
                JsonNode? v = obj.Get(name);
                if (v == null || v.Kind == JsonKind.Null)
                {
                    if (required) { Fail(at + name + " is missing"); }
                    return fallback;
                }

                if (v.Kind != JsonKind.String)
                {
                    Fail(at + name + " must be a string, not " + JsonNode.Describe(v.Kind));
                    return fallback;
                }

                return v.AsString();
            }

            public int Int(JsonNode obj, string at, string name, int fallback)
            {
                JsonNode? v = obj.Get(name);
                if (v == null || v.Kind == JsonKind.Null) { return fallback; }
                if (v.Kind != JsonKind.Number || !v.IsInteger)
                {
                    Fail(at + name + " must be a whole number, not " + (v.Kind == JsonKind.Number ? "a fraction" : JsonNode.Describe(v.Kind)));
                    return fallback;
                }

                long value = v.AsInt64();
                if (value < 0 || value > int.MaxValue)
                {
                    Fail(at + name + " (" + value.ToString() + ") must be between 0 and " + int.MaxValue.ToString());
                    return fallback;
                }

                return (int)value;
            }

            public bool Bool(JsonNode obj, string at, string name, bool fallback)
            {
                JsonNode? v = obj.Get(name);
                if (v == null || v.Kind == JsonKind.Null) { return fallback; }
                if (!v.IsBoolean)
                {
                    Fail(at + name + " must be true or false, not " + JsonNode.Describe(v.Kind));
                    return fallback;
                }

                return v.AsBoolean();
            }

            public string[] Strings(JsonNode obj, string at, string name)
            {
                JsonNode? v = obj.Get(name);
                if (v == null || v.Kind == JsonKind.Null)
                {
                    Fail(at + name + " is missing");
                    return new string[0];
                }

                if (!Array(v, at + name)) { return new string[0]; }
                string[] result = new string[v.Count];
                for (int i = 0; i < v.Count; i++)
                {
                    JsonNode item = v.Item(i);
                    if (item.Kind != JsonKind.String)
                    {
                        Fail(at + name + "[" + i.ToString() + "] must be a string, not " + JsonNode.Describe(item.Kind));
                        return new string[0];
                    }

                    result[i] = item.AsString();
                }

                return result;
            }

            public LadderStep[] Ladder(JsonNode obj, string at, string name, LadderStep[] fallback)
            {
                JsonNode? v = obj.Get(name);
                if (v == null || v.Kind == JsonKind.Null) { return fallback; }
                string[] words = Strings(obj, at, name);
                LadderStep[] steps = new LadderStep[words.Length];
                for (int i = 0; i < words.Length; i++)
                {
                    if (!ConfigWords.TryParse(words[i], out steps[i]))
                    {
                        Fail(at + name + "[" + i.ToString() + "]: '" + words[i] + "' is not a ladder step; use one of " + ConfigWords.AllSteps());
                        return fallback;
                    }
                }

                return steps;
            }

            private static string Join(string[] words)
            {
                string text = "";
                for (int i = 0; i < words.Length; i++) { text = i == 0 ? words[i] : text + ", " + words[i]; }
                return text;
            }
        }
    }
}
