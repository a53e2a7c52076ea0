namespace Watchdog.Board.Mqtt;

/// <summary>
/// One publish handed from the tick loop to the MQTT link. Retained messages carry a sequence
/// number so the link can drop one that a newer value for the same topic has overtaken
/// (the newest is kept in the retained cache and replayed after every reconnect).
/// </summary>
public sealed record OutboundMessage(string Topic, byte[] Payload, bool Retain, long Sequence);

/// <summary>A message the link received, queued for the tick loop (the core is single-threaded).</summary>
public sealed record InboundMessage(string Topic, byte[] Payload);
