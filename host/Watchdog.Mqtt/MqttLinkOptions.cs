namespace Watchdog.Mqtt;

/// <summary>
/// Everything the MQTT link needs; the agent builds it from its configuration file, the board
/// from its command line. The defaults are the board's; the agent sets its own from its config.
/// </summary>
public sealed class MqttLinkOptions
{
    /// <summary>Tried in order after every loss; the first that accepts us is used.</summary>
    public required IReadOnlyList<MqttBroker> Brokers { get; init; }

    /// <summary>Unique per process: mosquitto kicks an older connection with the same id and fires its will.</summary>
    public required string ClientId { get; init; }

    /// <summary>Sent with <see cref="Password"/> when set; null connects anonymously.</summary>
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>The last will: topic and payload, retained, published by the broker when we vanish; an empty topic sends none (a reader that publishes nothing, such as the metrics exporter).</summary>
    public required string WillTopic { get; init; }
    public required byte[] WillPayload { get; init; }

    /// <summary>Topic filters subscribed after every (re)connect (clean start: nothing survives on the broker).</summary>
    public IReadOnlyList<string> Subscriptions { get; init; } = [];

    /// <summary>Keep-alive; short so a silent broker is noticed in seconds, not the 15 s default.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Reconnect back-off, doubled after every round in which no broker accepted us. Capped at 2 s:
    /// after a broker outage a board can grant (and a standby take over) only once it is back, so
    /// the cap bounds what the outage adds to the next failover.
    /// </summary>
    public TimeSpan RetryMin { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After a lost session, wait the back-off before the next round (the agent) instead of trying
    /// the broker list again at once (the board, whose tick loop needs the broker back soonest).
    /// </summary>
    public bool BackOffAfterLoss { get; init; }

    /// <summary>Queued publishes waiting while the broker is away; the oldest are dropped beyond this (retained values are cached and replayed).</summary>
    public int QueueCapacity { get; init; } = 4096;

    /// <summary>The clock of the back-off and of the disconnect watch (tests pass a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
