namespace Watchdog.Protocol.Topics
{
    /// <summary>
    /// Builds and parses every topic under watchdog/v1/&lt;cluster&gt;/. No other code puts
    /// topic strings together. Names (cluster, node, board, channel, group, source, target)
    /// must be non-empty and free of '/', '+', '#' and spaces.
    /// </summary>
    public sealed class TopicTree
    {
        public const string Root = "watchdog/v1";

        private readonly string _prefix;

        public TopicTree(string cluster)
        {
            if (!IsValidName(cluster))
            {
                throw new System.ArgumentException("cluster name must be non-empty and contain no '/', '+', '#' or spaces: '" + cluster + "'");
            }

            Cluster = cluster;
            _prefix = Root + "/" + cluster + "/";
        }

        public string Cluster { get; }

        public string NodeStatus(string node) { return Build("node/", node, "/status"); }
        public string NodeState(string node) { return Build("node/", node, "/state"); }
        public string NodeMetrics(string node) { return Build("node/", node, "/metrics"); }
        public string NodeGrant(string node) { return Build("node/", node, "/grant"); }
        public string NodeGrantAck(string node) { return Build("node/", node, "/grant/ack"); }
        public string NodeRequest(string node) { return Build("node/", node, "/request"); }
        public string BoardStatus(string board) { return Build("board/", board, "/status"); }
        public string BoardState(string board) { return Build("board/", board, "/state"); }
        public string BoardMetrics(string board) { return Build("board/", board, "/metrics"); }
        public string GroupRoles(string group) { return Build("group/", group, "/roles"); }
        public string Event(string source) { return Build("events/", source, ""); }
        public string Command(string target) { return Build("command/", target, ""); }
        public string CommandAck(string target) { return Build("command/", target, "/ack"); }

        public string BoardChannel(string board, string channel)
        {
            RequireName(channel);
            return Build("board/", board, "/channel/" + channel);
        }

        // Subscription filters.
        public string AllNodes() { return _prefix + "node/#"; }
        public string AllBoards() { return _prefix + "board/#"; }
        public string AllNodeStatus() { return _prefix + "node/+/status"; }
        public string AllNodeStates() { return _prefix + "node/+/state"; }
        public string AllBoardStatus() { return _prefix + "board/+/status"; }
        public string AllBoardStates() { return _prefix + "board/+/state"; }
        public string AllBoardChannels() { return _prefix + "board/+/channel/+"; }
        public string AllBoardMetrics() { return _prefix + "board/+/metrics"; }
        public string AllGroups() { return _prefix + "group/+/roles"; }
        public string AllEvents() { return _prefix + "events/+"; }
        public string AllCommands() { return _prefix + "command/+"; }
        public string AllCommandAcks() { return _prefix + "command/+/ack"; }
        public string Everything() { return _prefix + "#"; }

        /// <summary>Parses a topic of this cluster. Returns false for anything else (other cluster, unknown shape).</summary>
        public bool TryParse(string topic, out ParsedTopic? parsed)
        {
            parsed = null;
            if (topic == null || !topic.StartsWith(_prefix))
            {
                return false;
            }

            string[] parts = topic.Substring(_prefix.Length).Split('/');
            for (int i = 0; i < parts.Length; i++)
            {
                if (!IsValidName(parts[i]))
                {
                    return false;
                }
            }

            TopicKind kind = Classify(parts);
            if (kind == TopicKind.Unknown)
            {
                return false;
            }

            parsed = new ParsedTopic(kind, parts[1], kind == TopicKind.BoardChannel ? parts[3] : "");
            return true;
        }

        public static bool IsValidName(string name)
        {
            if (name == null || name.Length == 0 || name.Length > 64)
            {
                return false;
            }

            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c == '/' || c == '+' || c == '#' || c <= ' ' || c == 127)
                {
                    return false;
                }
            }

            return true;
        }

        private static TopicKind Classify(string[] p)
        {
            if (p.Length == 2)
            {
                if (p[0] == "events") { return TopicKind.Event; }
                if (p[0] == "command") { return TopicKind.Command; }
                return TopicKind.Unknown;
            }

            if (p.Length == 3)
            {
                if (p[0] == "node")
                {
                    if (p[2] == "status") { return TopicKind.NodeStatus; }
                    if (p[2] == "state") { return TopicKind.NodeState; }
                    if (p[2] == "metrics") { return TopicKind.NodeMetrics; }
                    if (p[2] == "grant") { return TopicKind.NodeGrant; }
                    if (p[2] == "request") { return TopicKind.NodeRequest; }
                    return TopicKind.Unknown;
                }

                if (p[0] == "board")
                {
                    if (p[2] == "status") { return TopicKind.BoardStatus; }
                    if (p[2] == "state") { return TopicKind.BoardState; }
                    if (p[2] == "metrics") { return TopicKind.BoardMetrics; }
                    return TopicKind.Unknown;
                }

                if (p[0] == "group" && p[2] == "roles") { return TopicKind.GroupRoles; }
                if (p[0] == "command" && p[2] == "ack") { return TopicKind.CommandAck; }
                return TopicKind.Unknown;
            }

            if (p.Length == 4)
            {
                if (p[0] == "node" && p[2] == "grant" && p[3] == "ack") { return TopicKind.NodeGrantAck; }
                if (p[0] == "board" && p[2] == "channel") { return TopicKind.BoardChannel; }
            }

            return TopicKind.Unknown;
        }

        private string Build(string collection, string name, string tail)
        {
            RequireName(name);
            return _prefix + collection + name + tail;
        }

        private static void RequireName(string name)
        {
            if (!IsValidName(name))
            {
                throw new System.ArgumentException("topic name must be 1-64 characters without '/', '+', '#' or spaces: '" + name + "'");
            }
        }
    }

    /// <summary>A topic taken apart: its kind, the name it is about (node, board, group, source or target) and the channel for board channel topics.</summary>
    public sealed class ParsedTopic
    {
        public ParsedTopic(TopicKind kind, string name, string channel)
        {
            Kind = kind;
            Name = name;
            Channel = channel;
        }

        public TopicKind Kind { get; }
        public string Name { get; }
        public string Channel { get; }
    }
}
