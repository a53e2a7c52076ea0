using System.Diagnostics;
using System.Text;

namespace Watchdog.Agent.Tests.Support;

/// <summary>The real agent, run as `dotnet Watchdog.Agent.dll --config ...` from the test's output folder.</summary>
public sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
    }

    public static string AgentDll => Path.Combine(AppContext.BaseDirectory, "Watchdog.Agent.dll");

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static AgentProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    public static AgentProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (KeyValuePair<string, string> e in environment)
        {
            psi.Environment[e.Key] = e.Value;
        }

        psi.ArgumentList.Add(AgentDll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var agent = new AgentProcess(Process.Start(psi)!);
        agent._process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        agent._process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        agent._process.BeginOutputReadLine();
        agent._process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>Runs to completion and returns the exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(TimeSpan timeout, params string[] args)
    {
        using AgentProcess p = Start(args);
        if (!p._process.WaitForExit(timeout))
        {
            throw new TimeoutException("agent did not exit within " + timeout + ": " + p.Output);
        }

        p._process.WaitForExit();
        return (p._process.ExitCode, p.Output);
    }

    /// <summary>SIGKILL, as a crash ends it; returns once the process is gone, so nothing of it runs after.</summary>
    public void Kill(TimeSpan timeout)
    {
        _process.Kill();
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException("the agent did not die within " + timeout + " of SIGKILL");
        }
    }

    /// <summary>SIGTERM, as systemd stops it.</summary>
    public int Terminate(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using Process kill = Process.Start("kill", new[] { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!;
            kill.WaitForExit();
        }

        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(true);
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every 50 ms (wire files and retained messages raise no
    /// event to wait on); after <paramref name="timeoutMs"/> fails with <paramref name="what"/> and
    /// what the agent printed.
    /// </summary>
    public async Task WaitUntilAsync(Func<bool> condition, int timeoutMs, string what)
    {
        if (!await Poll.UntilAsync(condition, TimeSpan.FromMilliseconds(timeoutMs), TimeSpan.FromMilliseconds(50)))
        {
            throw new TimeoutException("waited " + timeoutMs + " ms for: " + what + "\nagent output:\n" + Output);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line == null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
