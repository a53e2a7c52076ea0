// Watchdog.Protocol.Bench: what a sealed message costs, per message, on .NET: sealing what the
// board publishes (a grant), checking what it receives (a node state with its grant proof, as
// the board's glue does: the state's seal, then the proof's), with the portable HMAC the ESP32
// runs and with the platform's. Plain loop, Stopwatch and GC.GetAllocatedBytesForCurrentThread:
//   dotnet run -c Release --project bench/Watchdog.Protocol.Bench [messages]
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Watchdog.Platform.Signing;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

int messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
// First line: the date and commit, as docs/results wants them (build/SourceStamp.cs).
Console.WriteLine(Watchdog.SourceStamp.Header(DateTimeOffset.UtcNow));
Console.WriteLine($"sealed messages: {messages:N0} per measurement, {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
    $"{(IsOptimized() ? "optimized (Release)" : "NOT optimized: use -c Release")}");
var topics = new TopicTree("lab");
var ring = new KeyRing();
ring.Add("kb", RandomNumberGenerator.GetBytes(32), KeyRole.Board, "rack1");
ring.Add("kn", RandomNumberGenerator.GetBytes(32), KeyRole.Node, "db1");
var grant = new Grant { Group = "db", Node = "db1", Role = NodeRole.Active, Epoch = 8, Reason = "failover from db2 (fenced)", Timestamp = 1_764_097_200_640 };
byte[] grantBody = MessageCodec.Encode(grant);

Console.WriteLine();
Console.WriteLine("hmac     | step                                         |  bytes in | us/message | bytes allocated/message");
Console.WriteLine("---------|----------------------------------------------|-----------|------------|------------------------");
foreach ((string name, IHmacSha256 hmac) in new (string, IHmacSha256)[] { ("portable", new PortableHmacSha256()), ("platform", new PlatformHmacSha256()) })
{
    var board = new SealedChannel(ring, hmac, KeyRole.Board, "rack1");
    var node = new SealedChannel(ring, hmac, KeyRole.Node, "db1");
    string grantTopic = topics.NodeGrant("db1");
    byte[] sealedGrant = board.Seal(grantTopic, grantBody, 1);
    var state = new NodeState
    {
        Node = "db1", Group = "db", Role = NodeRole.Active, Epoch = 8, Health = Health.Healthy, Feeding = true, Seq = 12, Timestamp = 1_764_097_200_000,
        Checks = [new CheckResult { Name = "http", Ok = true, Required = true, Detail = "200 in 3 ms" }],
        GrantProof = Encoding.UTF8.GetString(sealedGrant),
    };
    string stateTopic = topics.NodeState("db1");
    byte[] stateBody = MessageCodec.Encode(state);

    // Warm-up pass (tiered JIT), then the measured one.
    for (int pass = 0; pass < 2; pass++)
    {
        long seq = 1;
        var sealGrant = Measure(messages, i => board.Seal(grantTopic, grantBody, ++seq));
        var sealState = Measure(messages, i => node.Seal(stateTopic, stateBody, ++seq));
        byte[][] states = new byte[messages][];
        for (int i = 0; i < messages; i++)
        {
            states[i] = node.Seal(stateTopic, stateBody, 1_000_000 + i);
        }

        var receiver = new SealedChannel(ring, hmac, KeyRole.Board, "rack1");
        var check = Measure(messages, i =>
        {
            receiver.Check(stateTopic, TopicKind.NodeState, "db1", states[i], out _, out _);
            receiver.Verify(grantTopic, TopicKind.NodeGrant, "db1", sealedGrant, out _, out _);
        });
        if (pass == 1)
        {
            Row(name, "seal a grant (board)", grantBody.Length, sealGrant);
            Row(name, "seal a node state with its proof (agent)", stateBody.Length, sealState);
            Row(name, "check a state's seal and its proof (board)", states[0].Length, check);
        }
    }
}

return 0;

static (double Us, double Bytes) Measure(int n, Action<int> step)
{
    long before = GC.GetAllocatedBytesForCurrentThread();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < n; i++)
    {
        step(i);
    }

    watch.Stop();
    return (watch.Elapsed.TotalMicroseconds / n, (GC.GetAllocatedBytesForCurrentThread() - before) / (double)n);
}

static void Row(string hmac, string step, int bytes, (double Us, double Bytes) r) =>
    Console.WriteLine($"{hmac,-8} | {step,-44} | {bytes,9} | {r.Us,10:F1} | {r.Bytes,23:N0}");

static bool IsOptimized() =>
    typeof(MessageSeal).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];
