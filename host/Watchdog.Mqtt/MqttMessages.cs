using MQTTnet;
using MQTTnet.Protocol;

namespace Watchdog.Mqtt;

/// <summary>How every program here publishes: QoS 1, retained or not.</summary>
public static class MqttMessages
{
    public static MqttApplicationMessage AtLeastOnce(string topic, byte[] payload, bool retain) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
}
