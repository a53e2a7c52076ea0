using Watchdog.Mqtt;

namespace Watchdog.Agent.Configuration;

/// <summary>The agent's Mqtt section as the shared link's options (the board maps its command line onto the same type).</summary>
public static class MqttOptionsMapping
{
    /// <summary>Reads the password file now (the link is built once at start).</summary>
    public static MqttLinkOptions ToLinkOptions(this MqttOptions mqtt, string clientId, string willTopic, byte[] willPayload, IReadOnlyList<string> subscriptions, TimeProvider time) => new()
    {
        Brokers = [.. mqtt.Brokers.Select(b => new MqttBroker(b.Host, b.Port, b.Tls, b.CaFile.Length > 0 ? b.CaFile : null))],
        ClientId = clientId,
        Username = mqtt.Username.Length > 0 ? mqtt.Username : null,
        Password = mqtt.PasswordFile.Length > 0 ? File.ReadAllText(mqtt.PasswordFile).TrimEnd('\r', '\n') : mqtt.Password,
        WillTopic = willTopic,
        WillPayload = willPayload,
        Subscriptions = subscriptions,
        KeepAlive = TimeSpan.FromSeconds(mqtt.KeepAliveSeconds),
        ConnectTimeout = TimeSpan.FromMilliseconds(mqtt.ConnectTimeoutMs),
        RetryMin = TimeSpan.FromMilliseconds(mqtt.ReconnectMinMs),
        RetryMax = TimeSpan.FromMilliseconds(mqtt.ReconnectMaxMs),

        // A lost session counts as a failed round: two agents given one client id kick each
        // other off the broker, and must not do so in a tight loop.
        BackOffAfterLoss = true,
        Time = time,
    };
}
