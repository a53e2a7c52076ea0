using Watchdog.Board.Hosting;

namespace Watchdog.Board.Mqtt;

/// <summary>What the MQTT link needs to know; built from BoardOptions and the board config.</summary>
public sealed class MqttLinkOptions
{
    /// <summary>Tried in order after every loss; the first that accepts us is used.</summary>
    public required IReadOnlyList<BrokerAddress> Brokers { get; init; }

    /// <summary>Unique per process: mosquitto kicks an older connection with the same id and fires its will.</summary>
    public required string ClientId { get; init; }

    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>PEM file of the CA that signed the broker's certificate; null for plain TCP.</summary>
    public string? CaFile { get; init; }

    /// <summary>The last will: topic and payload, retained, published by the broker when we vanish.</summary>
    public required string WillTopic { get; init; }
    public required byte[] WillPayload { get; init; }

    /// <summary>Topic filters subscribed after every (re)connect.</summary>
    public required IReadOnlyList<string> Subscriptions { get; init; }

    /// <summary>Keep-alive; short so a silent broker is noticed in seconds, not the 15 s default.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Reconnect back-off. Capped at 2 s: after a broker outage the board can grant (and answer
    /// commands) only once it is back, so the cap bounds what the outage adds to the next failover.
    /// </summary>
    public TimeSpan RetryMin { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Events waiting while the broker is away; the oldest are dropped beyond this (retained state is never lost: it is cached).</summary>
    public int QueueCapacity { get; init; } = 4096;
}
