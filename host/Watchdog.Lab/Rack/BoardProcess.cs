using System.Diagnostics;
using System.Globalization;
using Watchdog.Platform.Posix;
using Watchdog.Sim.Rack;

namespace Watchdog.Lab.Rack;

/// <summary>How one board process of the rack is started: its files, its broker user, its pair link.</summary>
public sealed record BoardLaunch
{
    public required string Name { get; init; }
    public required string ConfigPath { get; init; }
    public required string PinMapPath { get; init; }
    public required string WiresPath { get; init; }
    public required string StateDirectory { get; init; }
    public required string LogPath { get; init; }
    public required string KeyFile { get; init; }
    public required string Broker { get; init; }
    public required int TickMs { get; init; }

    /// <summary>A published board executable (NativeAOT); null: the JIT build, `dotnet Watchdog.Board.dll`.</summary>
    public string? Executable { get; init; }

    /// <summary>The board's --stats-interval-ms (its tick statistics line); null: the board's default.</summary>
    public int? StatsIntervalMs { get; init; }
    public BrokerLogin? Login { get; init; }

    /// <summary>Null for a board alone: the board then picks its own MQTT client id, as it always did.</summary>
    public string? ClientId { get; init; }

    /// <summary>The pair's link (Unix datagram sockets): the one this board binds and the peer's it sends to; null alone.</summary>
    public string? PairSocket { get; init; }

    public string? PeerSocket { get; init; }

    /// <summary>A DR site's board: the DR configuration and the site (`--dr`, `--site`); null otherwise.</summary>
    public RackDrSite? DrSite { get; init; }
}

/// <summary>
/// One board process of the rack (`dotnet Watchdog.Board.dll`, or a published board), started
/// again on the same state directory after a kill as a rebooted board would. Keeps when each
/// process ran (wall ms), so a status it published can be held to the life of the process that
/// published it: a killed board's retained status says whatever it said last, but a dead board
/// drives nothing.
/// </summary>
public sealed class BoardProcess : IDisposable
{
    private readonly BoardLaunch _launch;
    private readonly RackTimeline _timeline;
    private readonly Lock _gate = new();
    private readonly List<(long StartWallMs, long? EndWallMs)> _lives = [];
    private readonly List<IDisposable> _logs = [];
    private Process? _process;
    private bool _frozen;

    public BoardProcess(BoardLaunch launch, RackTimeline timeline)
    {
        _launch = launch;
        _timeline = timeline;
    }

    public string Name => _launch.Name;

    public BoardLaunch Launch => _launch;

    /// <summary>Wall-clock ms of the running process's start (0 before the first).</summary>
    public long StartedAtWallMs
    {
        get
        {
            lock (_gate)
            {
                return _lives.Count == 0 ? 0 : _lives[^1].StartWallMs;
            }
        }
    }

    public int? Pid
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false } p ? p.Id : null;
            }
        }
    }

    public bool IsRunning => Pid is not null;

    public bool IsFrozen
    {
        get
        {
            lock (_gate)
            {
                return _frozen && _process is { HasExited: false };
            }
        }
    }

    /// <summary>Every process's life, wall ms; the end is null while it runs.</summary>
    public IReadOnlyList<(long StartWallMs, long? EndWallMs)> Lives()
    {
        lock (_gate)
        {
            return [.. _lives];
        }
    }

    /// <summary>Whether a process of this board was alive at <paramref name="wallMs"/> (a frozen one counts: its outputs hold their levels).</summary>
    public bool WasRunningAt(long wallMs)
    {
        lock (_gate)
        {
            return _lives.Any(l => l.StartWallMs <= wallMs && (l.EndWallMs is null || wallMs < l.EndWallMs));
        }
    }

    /// <summary>Starts the board unless it runs already; returns false then.</summary>
    public bool Start()
    {
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                return false;
            }

            _process?.Dispose();
            Directory.CreateDirectory(_launch.StateDirectory);
            // A killed process leaves its socket file behind; a rebooted board binds afresh.
            if (_launch.PairSocket is { } own && File.Exists(own))
            {
                File.Delete(own);
            }

            // With a group id of its own the board runs under setpriv, which execs the board in the
            // same process: the pid (kill, freeze) is the board's either way.
            var gid = _launch.DrSite?.BoardGroupId;
            var program = _launch.Executable ?? "dotnet";
            var start = new ProcessStartInfo(gid is null ? program : "setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (gid is { } g)
            {
                foreach (var arg in new[] { "--regid", g.ToString(CultureInfo.InvariantCulture), "--clear-groups", program })
                {
                    start.ArgumentList.Add(arg);
                }
            }

            foreach (var arg in Arguments())
            {
                start.ArgumentList.Add(arg);
            }

            var log = new StreamWriter(_launch.LogPath, append: true) { AutoFlush = true };
            _logs.Add(log);
            var startWall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the board process {Name}");
            process.EnableRaisingEvents = true;
            var life = _lives.Count;
            _lives.Add((startWall, null));
            process.Exited += (_, _) => Ended(life);
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            _frozen = false;
            _timeline.Record(TimelineKind.Note, Name, "board started", "pid " + process.Id);
            return true;
        }
    }

    /// <summary>SIGKILL (also of a frozen process); waits for it to be gone. False when nothing ran.</summary>
    public bool Kill(string why)
    {
        Process? process;
        lock (_gate)
        {
            process = _process is { HasExited: false } p ? p : null;
            if (process is null)
            {
                return false;
            }

            _timeline.Record(TimelineKind.Fault, Name, why, "pid " + process.Id + (_frozen ? " (frozen)" : ""));
            process.Kill();
        }

        process.WaitForExit();
        Ended(-1);
        return true;
    }

    /// <summary>SIGUSR1: a board keeping site tickets hands them over to the other site (docs/dr.md). False when nothing runs.</summary>
    public bool RequestSiteHandOver()
    {
        lock (_gate)
        {
            if (_process is not { HasExited: false } p)
            {
                return false;
            }

            PosixSignals.Send(p.Id, PosixSignals.SigUsr1);
            _timeline.Record(TimelineKind.Note, Name, "kill -USR1 board (planned site handover)", "pid " + p.Id);
            return true;
        }
    }

    /// <summary>SIGSTOP: the board hangs (its outputs keep their levels, its heartbeat and link go silent).</summary>
    public bool Freeze()
    {
        lock (_gate)
        {
            if (_process is not { HasExited: false } p || _frozen)
            {
                return false;
            }

            PosixSignals.Send(p.Id, PosixSignals.SigStop);
            _frozen = true;
            _timeline.Record(TimelineKind.Fault, Name, "kill -STOP board", "pid " + p.Id);
            return true;
        }
    }

    public bool Thaw()
    {
        lock (_gate)
        {
            if (_process is not { HasExited: false } p || !_frozen)
            {
                return false;
            }

            PosixSignals.Send(p.Id, PosixSignals.SigCont);
            _frozen = false;
            _timeline.Record(TimelineKind.Fault, Name, "kill -CONT board", "pid " + p.Id);
            return true;
        }
    }

    // The exit time of the latest life (or of life number `life`), once: Exited and Kill both land here.
    private void Ended(int life)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var i = life >= 0 ? life : _lives.Count - 1;
            if (i >= 0 && i < _lives.Count && _lives[i].EndWallMs is null)
            {
                _lives[i] = (_lives[i].StartWallMs, now);
            }
        }
    }

    private List<string> Arguments()
    {
        var args = _launch.Executable is null ? new List<string> { RackCluster.Binary("Watchdog.Board.dll") } : [];
        args.AddRange(
        [
            "--config", _launch.ConfigPath, "--pins", _launch.PinMapPath,
            "--wires", _launch.WiresPath, "--state-dir", _launch.StateDirectory, "--broker", _launch.Broker,
            "--cluster-key-file", _launch.KeyFile, "--tick-ms", _launch.TickMs.ToString(CultureInfo.InvariantCulture),
        ]);
        if (_launch.Login is { } login)
        {
            args.AddRange(["--username", login.User, "--password-file", login.PasswordFile]);
        }

        if (_launch.ClientId is { } id)
        {
            args.AddRange(["--client-id", id]);
        }

        if (_launch.PairSocket is { } own && _launch.PeerSocket is { } peer)
        {
            args.AddRange(["--pair-socket", own, "--peer-socket", peer]);
        }

        if (_launch.DrSite is { } dr)
        {
            args.AddRange(["--dr", dr.ConfigPath, "--site", dr.Site]);
        }

        if (_launch.StatsIntervalMs is { } stats)
        {
            args.AddRange(["--stats-interval-ms", stats.ToString(CultureInfo.InvariantCulture)]);
        }

        return args;
    }

    public void Dispose()
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
        }

        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit();
        }

        process?.Dispose();
        lock (_gate)
        {
            foreach (var log in _logs)
            {
                lock (log)
                {
                    log.Dispose();
                }
            }
        }
    }
}
