using System.Globalization;
using System.Text;

namespace Watchdog.Sim.Broker;

/// <summary>
/// What a test or the bench wants from its broker. Every value has the default a test needs:
/// loopback, a free port, anonymous access, no persistence (a restarted broker forgets retained
/// messages, like a broker whose disk was lost; pass <see cref="Persistence"/> to keep them).
/// </summary>
public sealed record MosquittoOptions
{
    /// <summary>TCP port; 0 picks a free one on <see cref="BindAddress"/> (kept across restarts).</summary>
    public int Port { get; init; }

    /// <summary>The address the listener binds to.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>A mosquitto_passwd file; when set, anonymous clients are refused.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>An ACL file (mosquitto's acl_file syntax), or null for no ACL.</summary>
    public string? AclFile { get; init; }

    /// <summary>Run inside this network namespace (<c>ip netns exec NS mosquitto ...</c>), or null.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Keep retained messages and sessions in a file across Stop/Start (off by default).</summary>
    public bool Persistence { get; init; }

    /// <summary>
    /// A mosquitto.conf written elsewhere (by <c>watchdogctl broker config</c>) that brings its own
    /// listeners, users, ACL and TLS. The broker loads a copy of it through include_dir, the way
    /// Debian's mosquitto loads /etc/mosquitto/conf.d, and the launcher's own file then holds only
    /// its log, persistence and user lines. <see cref="Port"/> must be the port of one of its
    /// listeners (the one waited for, on <see cref="BindAddress"/>); <see cref="PasswordFile"/> and
    /// <see cref="AclFile"/> stay null.
    /// </summary>
    public string? ConfigFile { get; init; }

    /// <summary>Extra mosquitto.conf lines appended verbatim after the generated ones.</summary>
    public IReadOnlyList<string> ExtraConfigLines { get; init; } = [];

    /// <summary>How long Start waits for the listener before it gives up with the log tail.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Writes the mosquitto.conf for one broker into its own directory.</summary>
internal static class MosquittoConfig
{
    /// <summary>Where the copy of <see cref="MosquittoOptions.ConfigFile"/> goes, below the broker's directory.</summary>
    public const string IncludeDirectory = "conf.d";

    public static string Render(MosquittoOptions options, int port, string directory, string logPath, bool runningAsRoot)
    {
        var conf = new StringBuilder();
        conf.AppendLine("# written by Watchdog.Sim.Broker.MosquittoProcess; deleted when the broker is disposed");
        if (runningAsRoot)
        {
            // mosquitto started as root drops to the "mosquitto" user, which cannot write the log in a
            // root-owned temp dir nor read a test's password file; a test broker has no reason to drop.
            conf.AppendLine("user root");
        }

        // With a ConfigFile, listeners and security come from the included file.
        if (options.ConfigFile is null)
        {
            conf.AppendLine(string.Create(CultureInfo.InvariantCulture, $"listener {port} {options.BindAddress}"));
            if (options.PasswordFile is null)
            {
                conf.AppendLine("allow_anonymous true");
            }
            else
            {
                conf.AppendLine("allow_anonymous false");
                conf.AppendLine("password_file " + options.PasswordFile);
            }
        }

        if (options.AclFile is not null)
        {
            conf.AppendLine("acl_file " + options.AclFile);
        }

        if (options.Persistence)
        {
            conf.AppendLine("persistence true");
            conf.AppendLine("persistence_location " + directory + "/");
            conf.AppendLine("autosave_interval 1");
        }
        else
        {
            conf.AppendLine("persistence false");
        }

        conf.AppendLine("log_dest file " + logPath);
        conf.AppendLine("log_type error");
        conf.AppendLine("log_type warning");
        conf.AppendLine("log_type notice");
        conf.AppendLine("log_type information");
        conf.AppendLine("connection_messages true");
        conf.AppendLine("log_timestamp_format %Y-%m-%dT%H:%M:%S");
        foreach (string line in options.ExtraConfigLines)
        {
            conf.AppendLine(line);
        }

        if (options.ConfigFile is not null)
        {
            // mosquitto's advice: include_dir last.
            conf.AppendLine("include_dir " + Path.Combine(directory, IncludeDirectory));
        }

        return conf.ToString();
    }

    public static void Validate(MosquittoOptions options)
    {
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, "mosquitto port must be 0 (pick a free one) or 1-65535");
        }

        if (!System.Net.IPAddress.TryParse(options.BindAddress, out _))
        {
            throw new ArgumentException($"mosquitto bind address '{options.BindAddress}' is not an IP address", nameof(options));
        }

        if (options.PasswordFile is not null && !File.Exists(options.PasswordFile))
        {
            throw new FileNotFoundException($"mosquitto password file '{options.PasswordFile}' does not exist", options.PasswordFile);
        }

        if (options.AclFile is not null && !File.Exists(options.AclFile))
        {
            throw new FileNotFoundException($"mosquitto ACL file '{options.AclFile}' does not exist", options.AclFile);
        }

        if (options.ConfigFile is not null)
        {
            if (!File.Exists(options.ConfigFile))
            {
                throw new FileNotFoundException($"mosquitto config file '{options.ConfigFile}' does not exist", options.ConfigFile);
            }

            if (options.PasswordFile is not null || options.AclFile is not null)
            {
                throw new ArgumentException("with a ConfigFile, its own password_file and acl_file apply: leave PasswordFile and AclFile null", nameof(options));
            }

            string listener = string.Create(CultureInfo.InvariantCulture, $"listener {options.Port}");
            if (options.Port == 0 || !File.ReadLines(options.ConfigFile).Any(l => l.Trim() == listener || l.Trim().StartsWith(listener + " ", StringComparison.Ordinal)))
            {
                throw new ArgumentException($"Port ({options.Port}) must be the port of a listener in '{options.ConfigFile}'", nameof(options));
            }
        }
    }
}
