using Watchdog.Platform.Posix;
using Watchdog.Platform.Processes;

namespace Watchdog.Postgres;

/// <summary>A PostgreSQL program (or a file tool run for it) that failed: the message names the instance, the command and why.</summary>
public sealed class PostgresCommandException : Exception
{
    public PostgresCommandException()
    {
    }

    public PostgresCommandException(string message)
        : base(message)
    {
    }

    public PostgresCommandException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Runs programs for one instance: behind its <see cref="PostgresServerOptions.CommandPrefix"/>
/// (a network namespace, say) and as its OS user, because PostgreSQL refuses to run as root.
/// </summary>
internal sealed class PgCommand
{
    /// <summary>Output kept per stream: enough for PostgreSQL's error and hint lines.</summary>
    private const int OutputLimitBytes = 16 * 1024;

    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    private readonly PostgresServerOptions _options;
    private readonly IProcessRunner _runner = new ProcessRunner(TimeProvider.System);

    public PgCommand(PostgresServerOptions options)
    {
        _options = options;
    }

    /// <summary>
    /// Runs <paramref name="program"/> as the instance's OS user and returns its outcome; throws
    /// <see cref="PostgresCommandException"/> naming <paramref name="what"/> when it does not exit 0.
    /// </summary>
    public async Task<ProcessOutcome> RunAsUserAsync(string what, string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        ProcessOutcome outcome = await TryRunAsUserAsync(program, arguments, timeout, ct).ConfigureAwait(false);
        return outcome.Succeeded ? outcome : throw Failure(what, program, outcome, timeout);
    }

    /// <summary>Like <see cref="RunAsUserAsync"/> but returns a failed outcome instead of throwing.</summary>
    public Task<ProcessOutcome> TryRunAsUserAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var argv = new List<string>(_options.CommandPrefix);
        if (NeedsUserSwitch())
        {
            // runuser (util-linux) rather than su/sudo: no PAM session, no password, root only.
            argv.AddRange(["runuser", "-u", _options.OsUser, "--"]);
        }

        argv.Add(program);
        argv.AddRange(arguments);
        return RunAsync(argv, timeout, ct);
    }

    /// <summary>
    /// Makes <paramref name="directory"/> (and missing parents) exist as a directory owned by the
    /// OS user with mode 0700, as initdb and the postmaster insist.
    /// </summary>
    public async Task EnsureOwnedDirectoryAsync(string directory, CancellationToken ct)
    {
        if (NeedsUserSwitch())
        {
            // Root creates it and hands it over; install(1) does both in one step.
            await RunCheckedAsync($"create {directory}", ["install", "-d", "-m", "0700", "-o", _options.OsUser, "-g", _options.OsUser, directory], ct).ConfigureAwait(false);
        }
        else if (OperatingSystem.IsLinux())
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Makes <paramref name="file"/> exist (empty when new) and belong to the OS user: the server log, which pg_ctl opens as that user.</summary>
    public async Task EnsureOwnedFileAsync(string file, CancellationToken ct)
    {
        if (!File.Exists(file))
        {
            await File.WriteAllTextAsync(file, "", ct).ConfigureAwait(false);
            if (OperatingSystem.IsLinux()) // the only system these servers run on (runuser, /proc)
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        await ChownAsync([file], ct).ConfigureAwait(false);
    }

    /// <summary>Gives files this process wrote into the data directory to the OS user.</summary>
    public async Task ChownAsync(IEnumerable<string> paths, CancellationToken ct)
    {
        if (NeedsUserSwitch())
        {
            await RunCheckedAsync("hand files to " + _options.OsUser, ["chown", _options.OsUser + ":" + _options.OsUser, .. paths], ct).ConfigureAwait(false);
        }
    }

    /// <summary>True when this process must switch to the OS user (it runs as root); throws when it cannot.</summary>
    private bool NeedsUserSwitch()
    {
        if (Environment.UserName == _options.OsUser)
        {
            return false;
        }

        if (!PosixSignals.IsRoot)
        {
            throw new PostgresCommandException(
                $"{_options.Name}: PostgreSQL runs as OS user '{_options.OsUser}', but this process runs as '{Environment.UserName}', " +
                "which is not root and so cannot switch to it; run as root or as that user");
        }

        return true;
    }

    private async Task RunCheckedAsync(string what, IReadOnlyList<string> argv, CancellationToken ct)
    {
        TimeSpan timeout = TimeSpan.FromSeconds(30);
        ProcessOutcome outcome = await RunAsync(argv, timeout, ct).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            throw Failure(what, argv[0], outcome, timeout);
        }
    }

    private Task<ProcessOutcome> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct) =>
        _runner.RunAsync(new ProcessRequest(argv[0], [.. argv.Skip(1)], new Dictionary<string, string>(), timeout, KillGrace, OutputLimitBytes), ct);

    private PostgresCommandException Failure(string what, string program, ProcessOutcome outcome, TimeSpan timeout)
    {
        string output = (outcome.Stderr.Trim() + "\n" + outcome.Stdout.Trim()).Trim();
        return new PostgresCommandException(
            $"{_options.Name}: {what} failed: {Path.GetFileName(program)} {outcome.Describe(timeout)}" + (output.Length > 0 ? ":\n" + output : ""));
    }
}
