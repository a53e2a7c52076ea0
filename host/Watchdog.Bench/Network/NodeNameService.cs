using System.Globalization;
using Watchdog.Bench.Timing;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Network;

/// <summary>
/// The service behind the virtual IP: a tiny python3 TCP server inside a server namespace that
/// answers every connection with its node name and a newline (Service/node_name_service.py).
/// It listens on 0.0.0.0, so it answers on the VIP whenever its node holds it; which node
/// answered is exactly what the probe records.
/// </summary>
public sealed class NodeNameService : IDisposable
{
    public const int DefaultPort = 7070;
    private static readonly Lazy<string> ScriptPath = new(ExtractScript);

    private NodeNameService(NamespaceProcess process, string nodeName)
    {
        Process = process;
        NodeName = nodeName;
    }

    public NamespaceProcess Process { get; }

    /// <summary>The service script on disk (extracted once per process into its own private directory), for callers that start it themselves (the demo rack's servers).</summary>
    public static string ScriptFile => ScriptPath.Value;

    public string NodeName { get; }

    /// <summary>Starts the service in <paramref name="ns"/> and waits until it listens.</summary>
    public static NodeNameService Start(string ns, string nodeName, int port, BenchClock clock)
    {
        var process = NamespaceProcess.Start(ns, clock, "python3", "-u", ScriptPath.Value, nodeName, port.ToString(CultureInfo.InvariantCulture));
        try
        {
            process.WaitForLine("ready", TimeSpan.FromSeconds(10));
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new NodeNameService(process, nodeName);
    }

    /// <summary>
    /// Writes the script into a fresh private directory (mode 0700, removed at process exit): never
    /// a fixed path in the shared temp folder, which another user may own or have planted a link in.
    /// </summary>
    internal static string ExtractScript()
    {
        using Stream resource = typeof(NodeNameService).Assembly.GetManifestResourceStream("node_name_service.py")
            ?? throw new BenchSetupException("embedded resource node_name_service.py is missing from Watchdog.Bench");
        string directory = PrivatePath.CreateTempDirectory("watchdog-bench-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(directory);
        string path = Path.Combine(directory, "node_name_service.py");
        using (FileStream file = new(path, FileMode.CreateNew, FileAccess.Write))
        {
            resource.CopyTo(file);
        }

        return path;
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover private directory in the temp folder is harmless.
        }
    }

    public void Dispose() => Process.Dispose();
}
