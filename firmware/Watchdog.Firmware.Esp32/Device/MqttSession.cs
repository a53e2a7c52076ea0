using System;
using System.Collections;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Messages;
using Watchdog.Firmware.Glue;

namespace Watchdog.Firmware.Esp32
{
    /// <summary>
    /// The device's MQTT side on its own thread (device-only: M2Mqtt). M2Mqtt has no automatic
    /// reconnect, so Run() is the loop: brokers in order, Connect with the last will ("lost",
    /// retained) and a check of the returned reason code, subscribe, replay every retained value
    /// (clean session), then publish from the queue until the connection closes. The tick thread
    /// only ever calls Publish and TryTake, which never block on the network.
    /// </summary>
    public sealed class MqttSession : IInboundSource, ILinkStatus
    {
        private const int MaxQueued = 64;
        private const int MaxInbound = 32;

        private readonly string[] _hosts;
        private readonly int[] _ports;
        private readonly string _clientId;
        private readonly string _username;
        private readonly string _password;
        private readonly X509Certificate? _ca;
        private readonly string _willTopic;
        private readonly string[] _subscriptions;
        private readonly object _gate = new object();
        private readonly ArrayList _queue = new ArrayList();
        private readonly ArrayList _inbound = new ArrayList();
        private readonly ArrayList _retainedTopics = new ArrayList();
        private readonly ArrayList _retainedPayloads = new ArrayList();
        private MqttClient? _client;
        private bool _closed;

        public MqttSession(string[] hosts, int[] ports, string clientId, string username, string password, X509Certificate? ca,
            string willTopic, string[] subscriptions)
        {
            _hosts = hosts;
            _ports = ports;
            _clientId = clientId;
            _username = username;
            _password = password;
            _ca = ca;
            _willTopic = willTopic;
            _subscriptions = subscriptions;
        }

        public bool Connected { get; private set; }

        /// <summary>Queues a publish (the oldest non-retained one is dropped when full; retained values are cached and replayed).</summary>
        public void Publish(string topic, byte[] payload, bool retain)
        {
            lock (_gate)
            {
                if (retain)
                {
                    int i = _retainedTopics.IndexOf(topic);
                    if (i < 0)
                    {
                        _retainedTopics.Add(topic);
                        _retainedPayloads.Add(payload);
                    }
                    else
                    {
                        _retainedPayloads[i] = payload;
                    }
                }

                if (_queue.Count >= MaxQueued)
                {
                    _queue.RemoveAt(0);
                }

                _queue.Add(new Outgoing(topic, payload, retain));
            }
        }

        public bool TryTake(out string topic, out byte[] payload)
        {
            lock (_gate)
            {
                if (_inbound.Count == 0)
                {
                    topic = "";
                    payload = new byte[0];
                    return false;
                }

                Outgoing m = (Outgoing)_inbound[0];
                _inbound.RemoveAt(0);
                topic = m.Topic;
                payload = m.Payload;
                return true;
            }
        }

        /// <summary>The session thread's body; never returns.</summary>
        public void Run()
        {
            // 200 ms doubling to 2 s, as the Linux board: after a broker outage the board grants
            // and answers commands only once it is back, so the cap bounds what the outage adds.
            int retryMs = 200;
            while (true)
            {
                for (int b = 0; b < _hosts.Length; b++)
                {
                    if (TryConnect(_hosts[b], _ports[b]))
                    {
                        retryMs = 200;
                        Pump();
                    }
                }

                Thread.Sleep(retryMs);
                retryMs = retryMs * 2 > 2000 ? 2000 : retryMs * 2;
            }
        }

        private bool TryConnect(string host, int port)
        {
            MqttClient client;
            try
            {
                client = _ca == null
                    ? new MqttClient(host, port, false, null, null, MqttSslProtocols.None)
                    : new MqttClient(host, port, true, _ca, null, MqttSslProtocols.TLSv1_2);
                client.ProtocolVersion = MqttProtocolVersion.Version_3_1_1;

                // Handlers before Connect: retained messages arrive right after SUBACK.
                client.MqttMsgPublishReceived += OnMessage;
                client.ConnectionClosed += OnClosed;
                _closed = false;
                MqttReasonCode code = client.Connect(_clientId, _username.Length == 0 ? null : _username, _password.Length == 0 ? null : _password,
                    true, MqttQoSLevel.AtLeastOnce, true, _willTopic, "lost", true, 10);
                if (code != MqttReasonCode.Success)
                {
                    Console.WriteLine("mqtt: " + host + " refused the connection: " + ((int)code).ToString());
                    client.Dispose();
                    return false;
                }

                MqttQoSLevel[] qos = new MqttQoSLevel[_subscriptions.Length];
                for (int i = 0; i < qos.Length; i++)
                {
                    qos[i] = MqttQoSLevel.AtLeastOnce;
                }

                client.Subscribe(_subscriptions, qos);
                _client = client;
                Connected = true;
                ReplayRetained(client);
                Console.WriteLine("mqtt: connected to " + host + ":" + port.ToString());
                return true;
            }
            catch (Exception e)
            {
                Console.WriteLine("mqtt: cannot connect to " + host + ":" + port.ToString() + ": " + e.Message);
                return false;
            }
        }

        private void ReplayRetained(MqttClient client)
        {
            int n;
            lock (_gate)
            {
                n = _retainedTopics.Count;
            }

            for (int i = 0; i < n; i++)
            {
                string topic;
                byte[] payload;
                lock (_gate)
                {
                    topic = (string)_retainedTopics[i];
                    payload = (byte[])_retainedPayloads[i];
                }

                client.Publish(topic, payload, null, null, MqttQoSLevel.AtLeastOnce, true);
            }
        }

        private void Pump()
        {
            MqttClient? client = _client;
            while (client != null && !_closed && client.IsConnected)
            {
                Outgoing? next = null;
                lock (_gate)
                {
                    if (_queue.Count > 0)
                    {
                        next = (Outgoing)_queue[0];
                        _queue.RemoveAt(0);
                    }
                }

                if (next == null)
                {
                    Thread.Sleep(10);
                    continue;
                }

                try
                {
                    client.Publish(next.Topic, next.Payload, null, null, MqttQoSLevel.AtLeastOnce, next.Retain);
                }
                catch (Exception e)
                {
                    Console.WriteLine("mqtt: publish failed: " + e.Message);
                    break;
                }
            }

            Connected = false;
            try
            {
                client?.Dispose();
            }
            catch (Exception)
            {
                // already closed
            }

            _client = null;
        }

        private void OnMessage(object sender, MqttMsgPublishEventArgs e)
        {
            lock (_gate)
            {
                if (_inbound.Count < MaxInbound)
                {
                    _inbound.Add(new Outgoing(e.Topic, e.Message, false));
                }
            }
        }

        private void OnClosed(object sender, EventArgs e)
        {
            _closed = true;
        }

        private sealed class Outgoing
        {
            public Outgoing(string topic, byte[] payload, bool retain)
            {
                Topic = topic;
                Payload = payload;
                Retain = retain;
            }

            public string Topic { get; }
            public byte[] Payload { get; }
            public bool Retain { get; }
        }
    }
}
