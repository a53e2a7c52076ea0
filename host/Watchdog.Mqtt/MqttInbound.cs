namespace Watchdog.Mqtt;

/// <summary>A received message; Retained is true for a retained value delivered on subscribe (possibly old).</summary>
public readonly record struct MqttInbound(string Topic, byte[] Payload, bool Retained);
