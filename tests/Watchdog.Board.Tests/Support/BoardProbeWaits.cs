using System.Text;

namespace Watchdog.Board.Tests.Support;

/// <summary>Waits on a <see cref="MqttProbe"/> for what the board publishes, decoded.</summary>
internal static class BoardProbeWaits
{
    /// <summary>
    /// Waits for the board's status to say its boot grace is over (settled), stamped no earlier
    /// than <paramref name="notBeforeWallMs"/> (a restarted board's predecessor left a settled status behind).
    /// </summary>
    public static Task<string> WaitForBoardSettledAsync(this MqttProbe probe, TopicTree topics, string board, long notBeforeWallMs, TimeSpan timeout) =>
        probe.WaitForAsync(topics.BoardState(board), p => MessageCodec.TryDecode(Encoding.UTF8.GetBytes(p), out BoardStatus? s, out _) && s!.Settled && s.Timestamp >= notBeforeWallMs, timeout);

    /// <summary>Waits for a reading of <paramref name="channel"/> that matches, stamped no earlier than <paramref name="notBeforeWallMs"/>.</summary>
    public static async Task<ChannelReading> WaitForReadingAsync(this MqttProbe probe, TopicTree topics, string board, string channel, long notBeforeWallMs, Func<ChannelReading, bool> match, TimeSpan timeout)
    {
        static ChannelReading? Decode(string p) => MessageCodec.TryDecode(Encoding.UTF8.GetBytes(p), out ChannelReading? r, out _) ? r : null;
        string payload = await probe.WaitForAsync(topics.BoardChannel(board, channel), p => Decode(p) is { } r && r.Timestamp >= notBeforeWallMs && match(r), timeout);
        return Decode(payload)!;
    }
}
