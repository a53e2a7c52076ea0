using System.Collections.Concurrent;
using Watchdog.Platform.Processes;

namespace Watchdog.Failover.Tests.Support;

/// <summary>Wraps the real ProcessRunner and records every command line, in the order they were started.</summary>
internal sealed class RecordingRunner : IProcessRunner
{
    private readonly IProcessRunner _inner = new ProcessRunner(TimeProvider.System);
    private readonly ConcurrentQueue<string> _commands = new();

    public string[] Commands => _commands.ToArray();

    public Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken ct)
    {
        _commands.Enqueue(request.CommandLine);
        return _inner.RunAsync(request, ct);
    }
}
