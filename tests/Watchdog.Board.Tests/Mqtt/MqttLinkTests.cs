using System.Text;
using Watchdog.Mqtt;
using Watchdog.Sim.Broker;

namespace Watchdog.Board.Tests.Mqtt;

/// <summary>The reconnect loop against a real mosquitto that is killed and started again.</summary>
public sealed class MqttLinkTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Broker_killed_and_restarted_link_reconnects_resubscribes_and_republishes_retained_state()
    {
        using var broker = MosquittoProcess.Start();
        var log = new List<string>();
        await using MqttLink link = TestLink.Create([new MqttBroker(broker.Host, broker.Port)], log);
        var received = new InboundQueue(100);
        link.Received += received.Add;
        using var stop = new CancellationTokenSource();
        link.Publish("t/board/status", Encoding.UTF8.GetBytes("ready"), retain: true);
        link.Publish("t/board/state", Encoding.UTF8.GetBytes("{\"ts\":1}"), retain: true);
        Task run = link.RunAsync(stop.Token);

        await WaitUntil(() => link.Connections == 1, "first connection");
        await using (MqttProbe probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, "t/board/#"))
        {
            await probe.WaitForAsync("t/board/state", p => p == "{\"ts\":1}", Wait);
            await probe.PublishAsync("t/in/x", "hello");
            await WaitUntil(() => TakeAll(received).Any(m => m.Topic == "t/in/x"), "inbound before the crash");
        }

        // A crash: no wills, no retained state survives (no persistence configured).
        broker.Kill();
        await WaitUntil(() => !link.IsConnected, "link notices the loss");
        link.Publish("t/board/state", Encoding.UTF8.GetBytes("{\"ts\":2}"), retain: true); // while away
        broker.Start();

        await WaitUntil(() => link.Connections == 2, "reconnect after restart");
        await using (MqttProbe probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, "t/board/#"))
        {
            // Retained values came back only because the link replayed them: the new broker had none.
            Assert.Equal("ready", await probe.WaitForAsync("t/board/status", _ => true, Wait));
            Assert.Equal("{\"ts\":2}", await probe.WaitForAsync("t/board/state", _ => true, Wait));
            Assert.DoesNotContain(probe.Seen, m => m.Payload == "{\"ts\":1}");

            await probe.PublishAsync("t/in/y", "again");
            await WaitUntil(() => TakeAll(received).Any(m => m.Topic == "t/in/y" && Encoding.UTF8.GetString(m.Payload) == "again"), "inbound after resubscribe");
        }

        stop.Cancel();
        await run;
    }

    [Fact]
    public async Task Brokers_are_tried_in_order_and_a_dead_first_one_is_skipped()
    {
        using var broker = MosquittoProcess.Start();
        int deadPort = FreePort.Find();
        var log = new List<string>();
        await using MqttLink link = TestLink.Create([new MqttBroker("127.0.0.1", deadPort), new MqttBroker(broker.Host, broker.Port)], log);
        using var stop = new CancellationTokenSource();
        Task run = link.RunAsync(stop.Token);

        await WaitUntil(() => link.Connections == 1, "connection to the second broker");
        Assert.Equal(broker.Port, link.CurrentBroker!.Port);
        lock (log)
        {
            Assert.Contains(log, l => l.Contains($"cannot connect to 127.0.0.1:{deadPort}", StringComparison.Ordinal));
        }

        stop.Cancel();
        await run;
    }

    [Fact]
    public async Task Publishing_never_blocks_while_no_broker_is_reachable()
    {
        var log = new List<string>();
        await using MqttLink link = TestLink.Create([new MqttBroker("127.0.0.1", FreePort.Find())], log);
        using var stop = new CancellationTokenSource();
        Task run = link.RunAsync(stop.Token);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 20_000; i++)
        {
            link.Publish("t/events", [1, 2, 3], retain: false); // beyond the queue capacity: oldest dropped
        }

        watch.Stop();
        Assert.False(link.IsConnected);
        Assert.True(watch.ElapsedMilliseconds < 2000, $"20000 publishes took {watch.ElapsedMilliseconds} ms with no broker");
        stop.Cancel();
        await run;
    }

    private static List<MqttInbound> TakeAll(InboundQueue received)
    {
        var all = new List<MqttInbound>();
        while (received.TryTake(out MqttInbound m))
        {
            all.Add(m);
        }

        return all;
    }

    // Polled until a generous bound: the link's counters and queue raise no event a test could wait on.
    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(25);
        }
    }
}
