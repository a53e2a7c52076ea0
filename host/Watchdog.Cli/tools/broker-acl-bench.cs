#:project ../Watchdog.Cli.csproj
// What the broker's users and ACL cost: two mosquitto brokers side by side, one anonymous and one
// running the configuration `watchdogctl broker config` writes for the rack's board (users
// board-rack1, agent-web1, agent-web2, operator-rack). For each, in alternating rounds: the time
// from a QoS 1 publish of a node state (as agent-web1) to its arrival at a subscriber of # (as
// operator-rack), one message at a time, and the time a client takes to connect (the password
// check). Prints numbers; asserts nothing.
//   dotnet run host/Watchdog.Cli/tools/broker-acl-bench.cs -- [messages per round] [rounds]
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Watchdog.Operator.Broker;
using Watchdog.Sim.Broker;

int messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
const int Connects = 20;
Console.WriteLine($"broker-acl-bench: {rounds} rounds of {messages} messages and {Connects} connects each, {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

string dir = Directory.CreateTempSubdirectory("broker-acl-bench-").FullName;
try
{
    string boardConfig = Path.Combine(dir, "board.json");
    File.WriteAllText(boardConfig, """{"board":"rack1","cluster":"demo","channels":[{"name":"s1","node":"web1"},{"name":"s2","node":"web2"}],"groups":[{"name":"web","mode":"active-standby","members":["web1","web2"],"failback":"manual"}]}""");
    BrokerPlan plan = BrokerPlan.Read([boardConfig], ["rack"]);
    string secureDir = Path.Combine(dir, "broker");
    int securePort = FreePort();
    BrokerConfigWriter.Write(new BrokerConfigRequest { Plan = plan, OutDirectory = secureDir, Plain = [new ListenAddress("127.0.0.1", securePort)] });
    using MosquittoProcess anonymous = MosquittoProcess.Start();
    using MosquittoProcess secure = MosquittoProcess.Start(new MosquittoOptions { Port = securePort, ConfigFile = Path.Combine(secureDir, BrokerConfigWriter.ConfFile) });
    string state = plan.Topics.NodeState("web1");

    var brokers = new[] { ("anonymous", anonymous.Port, false), ("users+ACL", secure.Port, true) };
    var latencies = brokers.ToDictionary(b => b.Item1, _ => new List<double>());
    var connects = brokers.ToDictionary(b => b.Item1, _ => new List<double>());
    foreach (var (name, port, withUsers) in brokers)
    {
        await RoundAsync(port, withUsers, Math.Min(messages, 200)); // warm-up: JIT, first connections
    }

    for (int round = 1; round <= rounds; round++)
    {
        foreach (var (name, port, withUsers) in brokers)
        {
            var (lat, conn) = await RoundAsync(port, withUsers, messages);
            latencies[name].AddRange(lat);
            connects[name].AddRange(conn);
            Console.WriteLine($"round {round} {name,-10} publish->receive p50 {P(lat, 0.5):F3} p95 {P(lat, 0.95):F3} p99 {P(lat, 0.99):F3} ms; connect p50 {P(conn, 0.5):F2} ms");
        }
    }

    foreach (var (name, _, _) in brokers)
    {
        double[] lat = [.. latencies[name]];
        double[] conn = [.. connects[name]];
        Console.WriteLine($"all   {name,-10} publish->receive (n={lat.Length}) p50 {P(lat, 0.5):F3} p95 {P(lat, 0.95):F3} p99 {P(lat, 0.99):F3} mean {lat.Average():F3} ms; connect (n={conn.Length}) p50 {P(conn, 0.5):F2} p95 {P(conn, 0.95):F2} ms");
    }

    async Task<(double[] Latencies, double[] Connects)> RoundAsync(int port, bool withUsers, int count)
    {
        using IMqttClient subscriber = await ConnectAsync(port, withUsers ? "operator-rack" : null);
        using IMqttClient publisher = await ConnectAsync(port, withUsers ? "agent-web1" : null);
        long[] sent = new long[count];
        long[] received = new long[count];
        int expected = -1;
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            int i = int.Parse(Encoding.ASCII.GetString(e.ApplicationMessage.Payload.ToArray()), CultureInfo.InvariantCulture);
            received[i] = Stopwatch.GetTimestamp();
            if (i == Volatile.Read(ref expected))
            {
                Volatile.Read(ref arrived).TrySetResult();
            }

            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        for (int i = 0; i < count; i++)
        {
            Volatile.Write(ref arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            Volatile.Write(ref expected, i);
            sent[i] = Stopwatch.GetTimestamp();
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(state).WithPayload(i.ToString(CultureInfo.InvariantCulture))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var conn = new double[Connects];
        for (int i = 0; i < Connects; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using IMqttClient client = await ConnectAsync(port, withUsers ? "agent-web2" : null);
            conn[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            await client.DisconnectAsync();
        }

        await subscriber.DisconnectAsync();
        await publisher.DisconnectAsync();
        return (Enumerable.Range(0, count).Select(i => (received[i] - sent[i]) * 1000.0 / Stopwatch.Frequency).ToArray(), conn);
    }

    async Task<IMqttClient> ConnectAsync(int port, string? user)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("acl-bench-" + Guid.NewGuid().ToString("N")[..10]);
        if (user is not null)
        {
            string password = File.ReadAllText(Path.Combine(secureDir, BrokerConfigWriter.CredentialsDirectory, user + ".password")).TrimEnd('\n');
            options = options.WithCredentials(user, password);
        }

        MqttClientConnectResult result = await client.ConnectAsync(options.Build());
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"{user ?? "anonymous"} refused: {result.ResultCode}");
        }

        return client;
    }
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

// Nearest rank.
static double P(double[] values, double q)
{
    double[] sorted = [.. values.Order()];
    return sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
