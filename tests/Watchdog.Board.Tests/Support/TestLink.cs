using System.Text;
using Watchdog.Mqtt;

namespace Watchdog.Board.Tests.Support;

/// <summary>The MQTT link as the link tests run it against a real mosquitto.</summary>
internal static class TestLink
{
    /// <summary>
    /// A link with a fresh client id, a "lost" will on t/board/status and a subscription to t/in/#;
    /// it retries every 50 to 300 ms, so a test sees a reconnect (or a refusal) well within its
    /// wait. Its log lines go to <paramref name="log"/>, which the tests lock to read.
    /// </summary>
    public static MqttLink Create(IReadOnlyList<MqttBroker> brokers, List<string> log, string? user = null, string? password = null) => new(
        new MqttLinkOptions
        {
            Brokers = brokers,
            ClientId = "board-test-" + Guid.NewGuid().ToString("N"),
            Username = user,
            Password = password,
            WillTopic = "t/board/status",
            WillPayload = Encoding.UTF8.GetBytes("lost"),
            Subscriptions = ["t/in/#"],
            RetryMin = TimeSpan.FromMilliseconds(50),
            RetryMax = TimeSpan.FromMilliseconds(300),
        },
        new LineLogger("mqtt: ", line => { lock (log) { log.Add(line); } }));
}
