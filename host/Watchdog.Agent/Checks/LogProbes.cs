using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Watchdog.Agent.Checks;

/// <summary>A log file followed across rotation; fails when a pattern matched MaxMatches times within the window.</summary>
public sealed class LogFileProbe : IProbe
{
    private readonly LogFileFollower _follower;
    private readonly Regex _pattern;
    private readonly MatchWindow _window;
    private readonly int _maxMatches;
    private readonly TimeProvider _time;
    private readonly string _path;

    public LogFileProbe(string path, string pattern, int maxMatches, int windowMs, TimeProvider time)
    {
        _path = path;
        _follower = new LogFileFollower(path);
        _pattern = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        _maxMatches = maxMatches;
        _window = new MatchWindow(windowMs, maxMatches * 2);
        _time = time;
    }

    public Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _follower.Poll(line =>
        {
            if (SafeMatch(_pattern, line))
            {
                _window.Add(now, line);
            }
        });
        return Task.FromResult(Judge(_window, now, _maxMatches, _path));
    }

    public void Dispose() => _follower.Dispose();

    internal static ProbeOutcome Judge(MatchWindow window, long now, int maxMatches, string where)
    {
        int count = window.Count(now);
        return count >= maxMatches
            ? ProbeOutcome.Fail(count + " match(es) in " + where + ", last: " + window.LastMatch)
            : ProbeOutcome.Pass(count + " match(es) in window in " + where);
    }

    internal static bool SafeMatch(Regex pattern, string line)
    {
        try
        {
            return pattern.IsMatch(line);
        }
        catch (RegexMatchTimeoutException)
        {
            return false; // a pathological line must not stall the agent
        }
    }
}

/// <summary>
/// The systemd journal through `journalctl -f -o json -n 0 [-u unit]`: the MESSAGE field of each
/// new entry is matched against the pattern. If journalctl exits it is started again after a
/// pause; while it is not running the probe fails and says why (the watcher is blind).
/// </summary>
public sealed class JournalProbe : IBackgroundProbe
{
    private readonly Regex _pattern;
    private readonly MatchWindow _window;
    private readonly int _maxMatches;
    private readonly TimeProvider _time;
    private readonly string _journalctl;
    private readonly string _unit;
    private volatile string _problem = "journalctl not started yet";

    public JournalProbe(string pattern, int maxMatches, int windowMs, string unit, TimeProvider time, string journalctl = "journalctl")
    {
        _pattern = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        _maxMatches = maxMatches;
        _window = new MatchWindow(windowMs, maxMatches * 2);
        _unit = unit;
        _time = time;
        _journalctl = journalctl;
    }

    public void Start(CancellationToken stopping) => _ = Task.Run(() => FollowAsync(stopping), stopping);

    public Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        string problem = _problem;
        if (problem.Length > 0)
        {
            return Task.FromResult(ProbeOutcome.Fail(problem));
        }

        return Task.FromResult(LogFileProbe.Judge(_window, _time.GetUtcNow().ToUnixTimeMilliseconds(), _maxMatches, "journal" + (_unit.Length > 0 ? " of " + _unit : "")));
    }

    /// <summary>The MESSAGE of one journalctl -o json line (a string, or an array of bytes for binary messages).</summary>
    internal static string MessageOf(string jsonLine)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(jsonLine);
            if (!doc.RootElement.TryGetProperty("MESSAGE", out JsonElement m))
            {
                return "";
            }

            if (m.ValueKind == JsonValueKind.String)
            {
                return m.GetString() ?? "";
            }

            if (m.ValueKind == JsonValueKind.Array)
            {
                var bytes = new byte[m.GetArrayLength()];
                int i = 0;
                foreach (JsonElement b in m.EnumerateArray())
                {
                    bytes[i++] = b.TryGetByte(out byte v) ? v : (byte)'?';
                }

                return System.Text.Encoding.UTF8.GetString(bytes);
            }
        }
        catch (JsonException)
        {
        }

        return "";
    }

    private async Task FollowAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var psi = new ProcessStartInfo(_journalctl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { "-f", "-o", "json", "-n", "0" })
            {
                psi.ArgumentList.Add(a);
            }

            if (_unit.Length > 0)
            {
                psi.ArgumentList.Add("-u");
                psi.ArgumentList.Add(_unit);
            }

            try
            {
                using Process p = Process.Start(psi) ?? throw new InvalidOperationException("no process");
                p.ErrorDataReceived += (_, _) => { };
                p.BeginErrorReadLine();
                _problem = "";
                using CancellationTokenRegistration reg = stopping.Register(() =>
                {
                    try
                    {
                        p.Kill();
                    }
                    catch (InvalidOperationException)
                    {
                    }
                });
                string? line;
                while ((line = await p.StandardOutput.ReadLineAsync(stopping).ConfigureAwait(false)) != null)
                {
                    string message = MessageOf(line);
                    if (message.Length > 0 && LogFileProbe.SafeMatch(_pattern, message))
                    {
                        _window.Add(_time.GetUtcNow().ToUnixTimeMilliseconds(), message);
                    }
                }

                await p.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                _problem = "journalctl exited with code " + p.ExitCode + "; restarting it";
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                _problem = "cannot run " + _journalctl + ": " + ex.Message;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
