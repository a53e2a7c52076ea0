using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Security.Cryptography;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.Firmware.Glue;
using Watchdog.Protocol.Signing;
using Watchdog.VirtualWires;

namespace Watchdog.Board.Tests.Glue;

/// <summary>
/// The ESP32 app's tick loop (DeviceTickLoop, the glue the device runs; its device-only callers
/// cannot be built here) with a metrics report switched on, run here on the virtual wires: it
/// publishes the sealed report on the board's metrics topic every interval, with the MQTT state
/// the session reports.
/// </summary>
public sealed class DeviceMetricsReportTests : GlueTestBoard, IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task The_device_loop_publishes_a_sealed_report_of_its_core_every_interval()
    {
        using WireFile wires = WireFile.Create(_dir.File("wires"));
        Assert.True(PinMapReader.TryRead(File.ReadAllBytes(Repository.Path("hardware/boards/virtual-rack.json")), out PinMap? map, out string error), error);
        var driver = new VirtualWireDriver(wires, WireWriter.Board);
        using var controller = new GpioController(driver);
        var wiring = new ChannelWiring(controller, map!, driver.ReadEdgeCount);
        var ring = new KeyRing();
        ring.Add("kb", RandomNumberGenerator.GetBytes(32), KeyRole.Board, Board);
        WatchdogCore core = Core("[{\"name\":\"s1\",\"node\":\"n1\"},{\"name\":\"s2\",\"node\":\"n2\"}]", "[]", ring);
        Assert.True(CoreGlue.TryBind(core.Config, map!, out int[] pins, out error), error);
        var seals = new SealedChannel(ring, new PortableHmacSha256(), KeyRole.Board, Board);
        var sink = new QueueSink();
        var glue = new CoreGlue(core, wiring, pins, new OutboxEncoder(Topics, Board, seals), sink);
        var supervisor = new TickSupervisor(60_000, 1000, _ => { });
        var loop = new DeviceTickLoop(core, glue, wiring, Topics, Board, core.Config.Timing.TickMs, 1000, new NoInbound(), sink, supervisor, "test esp32", seals);
        loop.UseMetricsReport(new BoardMetricsReporter(core, loop.Counters, Topics, Board, "test esp32", 100, seals, sink), new Link());

        var run = Task.Run(loop.Run);
        string topic = Topics.BoardMetrics(Board);
        var reader = new SealedChannel(ring, new PortableHmacSha256(), KeyRole.Operator, "");
        var reports = new List<BoardMetricsReport>();
        try
        {
            Assert.True(await Poll.UntilAsync(() =>
            {
                while (sink.Published.TryDequeue(out var p))
                {
                    if (p.Topic != topic)
                    {
                        continue;
                    }

                    Assert.False(p.Retain, "reports are never retained");
                    Assert.Equal(SealVerdict.Sealed, reader.Check(topic, TopicKind.BoardMetrics, Board, p.Payload, out _, out string detail));
                    Assert.True(MessageCodec.TryDecode(p.Payload, out BoardMetricsReport? r, out CodecError? e), e?.Text);
                    reports.Add(r!);
                }

                return reports.Count >= 3;
            }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(20)), "three reports published");
        }
        finally
        {
            loop.Stop();
            await run;
        }

        BoardMetricsReport last = reports[^1];
        Assert.Equal(Board, last.Board);
        Assert.Equal(100, last.IntervalMs);
        Assert.True(last.MqttConnected);
        Assert.Equal(["s1", "s2"], last.Channels.Select(c => c.Channel).ToArray());
        Assert.Equal(BoardCounters.BucketBoundsMs, last.BucketBoundsMs);
        Assert.Contains(last.Events, e => e.Kind == "board-started" && e.Count == 1);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.UptimeMs <= p.Second.UptimeMs), "uptime grows report to report");
    }

    public void Dispose() => _dir.Dispose();

    private sealed class QueueSink : IBoardSink
    {
        public ConcurrentQueue<(string Topic, byte[] Payload, bool Retain)> Published { get; } = new();

        public bool PersistEpoch(long epoch, string commissioned) => true;

        public bool PersistLadder(string entries) => true;

        public void Publish(string topic, byte[] payload, bool retain) => Published.Enqueue((topic, payload, retain));

        public void Log(string line)
        {
        }
    }

    private sealed class NoInbound : IInboundSource
    {
        public bool TryTake(out string topic, out byte[] payload)
        {
            topic = "";
            payload = [];
            return false;
        }
    }

    private sealed class Link : ILinkStatus
    {
        public bool Connected => true;
    }
}
