using Watchdog.Protocol.Topics;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// What a passive board keeps of the broker while its core does not run: the latest state and
    /// presence of every node (the retained topics a restarted board would be handed at once).
    /// When the board takes authority the core gets them first, so it starts knowing the roles as
    /// a restarted board does. Commands and acknowledgements are not kept: they were for the
    /// authority of their moment.
    /// </summary>
    public sealed class RetainedInbox
    {
        private readonly string _nodePrefix;
        private readonly string[] _topics;
        private readonly byte[][] _payloads;
        private int _count;

        public RetainedInbox(TopicTree topics, int capacity)
        {
            string all = topics.AllNodes();
            _nodePrefix = all.Substring(0, all.Length - 1);
            _topics = new string[capacity];
            _payloads = new byte[capacity][];
        }

        public int Count { get { return _count; } }

        /// <summary>Kept messages dropped because the inbox was full (more nodes than it was sized for).</summary>
        public long Dropped { get; private set; }

        public string Topic(int index) { return _topics[index]; }

        public byte[] Payload(int index) { return _payloads[index]; }

        /// <summary>Keeps the message if it is a node's state or presence, replacing the older one of that topic.</summary>
        public void Offer(string topic, byte[] payload)
        {
            if (!topic.StartsWith(_nodePrefix) || !(topic.EndsWith("/state") || topic.EndsWith("/status")))
            {
                return;
            }

            for (int i = 0; i < _count; i++)
            {
                if (_topics[i] == topic)
                {
                    _payloads[i] = payload;
                    return;
                }
            }

            if (_count == _topics.Length)
            {
                Dropped++;
                return;
            }

            _topics[_count] = topic;
            _payloads[_count] = payload;
            _count++;
        }

        public void Clear()
        {
            for (int i = 0; i < _count; i++)
            {
                _topics[i] = "";
                _payloads[i] = new byte[0];
            }

            _count = 0;
        }
    }
}
