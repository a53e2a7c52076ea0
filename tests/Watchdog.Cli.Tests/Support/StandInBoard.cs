using System.Buffers;
using MQTTnet;
using Watchdog.Sim.Broker;

namespace Watchdog.Cli.Tests.Support;

/// <summary>
/// A real mosquitto and a stand-in board on it for the real watchdogctl process: it verifies every
/// signed command with the cluster key (whose key file watchdogctl is given) and answers it as the
/// test says; the test retains whatever state the board and the agents would have published.
/// </summary>
internal sealed class StandInBoard : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    private StandInBoard(string cluster, string keyFileName)
    {
        Topics = new TopicTree(cluster);
        KeyFile = Path.Combine(Path.GetTempPath(), $"{keyFileName}-{Guid.NewGuid():N}.key");
    }

    public TopicTree Topics { get; }

    public ClusterKey Key { get; } = ClusterKey.Generate("k1");

    /// <summary>The operator's key file, for watchdogctl's -k.</summary>
    public string KeyFile { get; }

    public MosquittoProcess Broker { get; private set; } = null!;

    /// <summary>host:port, for watchdogctl's -b.</summary>
    public string BrokerAddress => $"{Broker.Host}:{Broker.Port}";

    /// <param name="answer">Given a command and the verifier's verdict on it, the board's answer.</param>
    /// <param name="epoch">The board's epoch, read for every verification.</param>
    public static async Task<StandInBoard> StartAsync(string cluster, string keyFileName, Func<long> epoch, Func<SignedCommand, CommandVerdict, CommandAck> answer)
    {
        var board = new StandInBoard(cluster, keyFileName);
        Watchdog.Platform.Posix.PrivateFiles.WriteNew(board.KeyFile, board.Key.ToLine() + "\n");
        board.Broker = MosquittoProcess.Start();
        var verifier = new CommandVerifier(KeyFileReader.ToKeyRing([board.Key]), new PortableHmacSha256(), 64, 5_000);
        board._client.ApplicationMessageReceivedAsync += async e =>
        {
            if (!board.Topics.TryParse(e.ApplicationMessage.Topic, out var parsed) || parsed?.Kind != TopicKind.Command ||
                !MessageCodec.TryDecode(e.ApplicationMessage.Payload.ToArray(), out SignedCommand? command, out _) || command is null)
            {
                return;
            }

            var ack = answer(command, verifier.Verify(command, epoch(), Now()));
            await board._client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(board.Topics.CommandAck(command.Target)).WithPayload(MessageCodec.Encode(ack)).Build());
        };
        await board._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(board.Broker.Host, board.Broker.Port).WithClientId("stand-in-board").Build());
        await board._client.SubscribeAsync(board.Topics.AllCommands());
        return board;
    }

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Publishes a retained message, as the board or an agent would have left it.</summary>
    public Task Retain(string topic, byte[] payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag().WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        Broker.Dispose();
        File.Delete(KeyFile);
        return ValueTask.CompletedTask;
    }
}
