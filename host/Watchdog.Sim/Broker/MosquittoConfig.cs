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

    /// <summary>Extra mosquitto.conf lines appended verbatim after the generated ones.</summary>
    public IReadOnlyList<string> ExtraConfigLines { get; init; } = [];

    /// <summary>How long Start waits for the listener before it gives up with the log tail.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Writes the mosquitto.conf for one broker into its own directory.</summary>
internal static class MosquittoConfig
{
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
    }
}
