using System.Globalization;
using System.Text.RegularExpressions;

namespace Watchdog.Agent.Configuration;

/// <summary>
/// Checks a bound configuration for values that are unsafe or make no sense. Every problem is
/// one line of the form "Key = value: what is wrong", so an operator can fix the file without
/// reading code. All problems are reported at once.
/// </summary>
public static class ConfigValidator
{
    public static readonly string[] Drivers = { "gpio", "ft232h", "ft4222", "serial", "virtual" };
    public static readonly string[] RoleSources = { "none", "serial-cts", "serial-dsr", "gpio", "virtual" };
    public static readonly string[] CheckKinds = { "process", "systemd-unit", "tcp", "http", "command", "carrier", "metric", "log-file", "journal", "postgres" };
    public static readonly string[] MetricNames = { "cpu", "memory", "disk", "disk-io", "net-rx", "net-tx", "load1" };

    public static IReadOnlyList<string> Validate(AgentOptions o)
    {
        var p = new Problems();
        Name(p, "Cluster", o.Cluster, required: true);
        Name(p, "Node", o.Node, required: true);
        Name(p, "Group", o.Group, required: false);
        Heartbeat(p, o.Heartbeat);
        RoleInput(p, o.RoleInput, o.Heartbeat);
        Mqtt(p, o.Mqtt);
        if (o.Board.LostAfterMs != 0)
        {
            p.Range("Board:LostAfterMs", o.Board.LostAfterMs, 1000, 86_400_000, "ms (0 disables the board-lost warning)");
        }

        if (o.Board.DemoteWhenSilentMs != 0)
        {
            p.Range("Board:DemoteWhenSilentMs", o.Board.DemoteWhenSilentMs, 1000, 86_400_000, "ms (0 disables stepping down when the board is silent)");
        }

        p.Range("Board:RestartTimeoutMs", o.Board.RestartTimeoutMs, 1000, 3_600_000, "ms");
        Commands(p, o.Commands);
        p.Range("Metrics:IntervalMs", o.Metrics.IntervalMs, 500, 3_600_000, "ms");
        if (string.IsNullOrWhiteSpace(o.Metrics.DiskPath))
        {
            p.Add("Metrics:DiskPath", o.Metrics.DiskPath, "must name a mount point such as /");
        }

        if (o.Metrics.PrometheusListen.Length > 0 && !Watchdog.Metrics.ListenAddress.TryParse(o.Metrics.PrometheusListen, "Metrics:PrometheusListen", out _, out string listenError))
        {
            p.Add("Metrics:PrometheusListen", o.Metrics.PrometheusListen, listenError[(listenError.IndexOf(':', "Metrics:PrometheusListen".Length) + 1)..].Trim());
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < o.Checks.Count; i++)
        {
            Check(p, "Checks:" + i + ":", o.Checks[i], names);
        }

        p.List.AddRange(o.Failover.Validate("Failover"));
        return p.List;
    }

    private static void Heartbeat(Problems p, HeartbeatOptions h)
    {
        if (!Drivers.Contains(h.Driver))
        {
            p.Add("Heartbeat:Driver", h.Driver, "must be one of " + string.Join(", ", Drivers));
        }

        // The board counts edges per detection window and must tick at least twice a period (its
        // own check); the pump's waits are high-resolution timers on Linux, not HZ jiffies, so a
        // 5 ms half-period holds on a loaded machine (docs/benchmarks.md, "The heartbeat frontier").
        p.Range("Heartbeat:PeriodMs", h.PeriodMs, 10, 60_000, "ms (the line changes level every PeriodMs/2)");
        p.Range("Heartbeat:RetryMinMs", h.RetryMinMs, 100, 600_000, "ms");
        p.Range("Heartbeat:RealtimePriority", h.RealtimePriority, 0, 99, "");
        if (h.RetryMaxMs < h.RetryMinMs)
        {
            p.Add("Heartbeat:RetryMaxMs", h.RetryMaxMs, "must not be below Heartbeat:RetryMinMs (" + h.RetryMinMs + ")");
        }

        switch (h.Driver)
        {
            case "gpio":
                p.Range("Heartbeat:Chip", h.Chip, 0, 63, "(gpiochip number)");
                p.Range("Heartbeat:Pin", h.Pin, 0, 1023, "(line offset on the chip)");
                break;
            case "ft232h":
                if (h.PinName.Length == 0)
                {
                    p.Range("Heartbeat:Pin", h.Pin, 0, 15, "(FT232H: 0-7 = D0-D7, 8-15 = C0-C7; or set Heartbeat:PinName)");
                }

                break;
            case "ft4222":
                p.Range("Heartbeat:Pin", h.Pin, 0, 3, "(FT4222 GPIO0-GPIO3)");
                break;
            case "serial":
                if (h.Device.Length == 0)
                {
                    p.Add("Heartbeat:Device", h.Device, "must name the serial port, e.g. /dev/ttyUSB0");
                }

                if (h.Signal != "dtr" && h.Signal != "rts")
                {
                    p.Add("Heartbeat:Signal", h.Signal, "must be dtr or rts");
                }

                break;
            case "virtual":
                if (h.WireFile.Length == 0)
                {
                    p.Add("Heartbeat:WireFile", h.WireFile, "must name the wire file shared with the simulated board");
                }

                p.Range("Heartbeat:Pin", h.Pin, 0, 1023, "(virtual wire number)");
                break;
        }
    }

    private static void RoleInput(Problems p, RoleInputOptions r, HeartbeatOptions h)
    {
        if (!RoleSources.Contains(r.Source))
        {
            p.Add("RoleInput:Source", r.Source, "must be one of " + string.Join(", ", RoleSources));
            return;
        }

        p.Range("RoleInput:PollMs", r.PollMs, 10, 10_000, "ms");
        if (r.Source.StartsWith("serial-", StringComparison.Ordinal) && r.Device.Length == 0 && h.Driver != "serial")
        {
            p.Add("RoleInput:Device", r.Device, "must name the serial port when the heartbeat is not on a serial port");
        }

        if (r.Source == "gpio" || r.Source == "virtual")
        {
            p.Range("RoleInput:Pin", r.Pin, 0, 1023, "(input line)");
            if (r.Source == "gpio" && h.Driver != "gpio")
            {
                p.Add("RoleInput:Source", r.Source, "a GPIO role input needs Heartbeat:Driver gpio (it shares the chip)");
            }

            if (r.Source == "virtual" && h.Driver != "virtual")
            {
                p.Add("RoleInput:Source", r.Source, "a virtual role input needs Heartbeat:Driver virtual (it shares the wire file)");
            }

            if (r.Pin == h.Pin && (h.Driver == r.Source))
            {
                p.Add("RoleInput:Pin", r.Pin, "is the heartbeat output pin; the ROLE input needs its own line");
            }
        }
    }

    private static void Mqtt(Problems p, MqttOptions m)
    {
        if (m.Brokers.Count == 0)
        {
            p.Add("Mqtt:Brokers", "(empty)", "at least one broker is needed; the agent publishes its state and receives grants over MQTT");
        }

        for (int i = 0; i < m.Brokers.Count; i++)
        {
            BrokerOptions b = m.Brokers[i];
            string k = "Mqtt:Brokers:" + i + ":";
            if (string.IsNullOrWhiteSpace(b.Host))
            {
                p.Add(k + "Host", b.Host, "must name the broker host");
            }

            p.Range(k + "Port", b.Port, 1, 65535, "");
            if (b.CaFile.Length > 0 && !b.Tls)
            {
                p.Add(k + "CaFile", b.CaFile, "is set but Tls is false; set Tls true or remove CaFile");
            }

            if (b.CaFile.Length > 0 && !File.Exists(b.CaFile))
            {
                p.Add(k + "CaFile", b.CaFile, "file does not exist");
            }
        }

        if (m.ClientId.Length > 0 && m.ClientId.Length > 128)
        {
            p.Add("Mqtt:ClientId", m.ClientId, "must be at most 128 characters");
        }

        if ((m.Password.Length > 0 || m.PasswordFile.Length > 0) && m.Username.Length == 0)
        {
            p.Add("Mqtt:Username", "(empty)", "a password is configured but no username");
        }

        if (m.Password.Length > 0 && m.PasswordFile.Length > 0)
        {
            p.Add("Mqtt:PasswordFile", m.PasswordFile, "set either Password or PasswordFile, not both");
        }

        if (m.PasswordFile.Length > 0 && !File.Exists(m.PasswordFile))
        {
            p.Add("Mqtt:PasswordFile", m.PasswordFile, "file does not exist");
        }

        // Without keep-alive a half-open connection is never noticed and the will never fires.
        p.Range("Mqtt:KeepAliveSeconds", m.KeepAliveSeconds, 1, 3600, "s (0 would mean a dead agent's will never fires)");
        p.Range("Mqtt:ConnectTimeoutMs", m.ConnectTimeoutMs, 100, 120_000, "ms");
        p.Range("Mqtt:ReconnectMinMs", m.ReconnectMinMs, 50, 600_000, "ms");
        if (m.ReconnectMaxMs < m.ReconnectMinMs)
        {
            p.Add("Mqtt:ReconnectMaxMs", m.ReconnectMaxMs, "must not be below Mqtt:ReconnectMinMs (" + m.ReconnectMinMs + ")");
        }

        p.Range("Mqtt:StatePublishMs", m.StatePublishMs, 100, 3_600_000, "ms");
    }

    private static void Commands(Problems p, CommandOptions c)
    {
        foreach (KeyValuePair<string, string> key in c.Keys)
        {
            if (!TopicTree.IsValidName(key.Key))
            {
                p.Add("Commands:Keys:" + key.Key, "(key id)", "key id must be 1-64 characters without '/', '+', '#' or spaces");
            }

            if (!IsHex(key.Value) || key.Value.Length < 32)
            {
                // Never echo a key, even a broken one.
                p.Add("Commands:Keys:" + key.Key, "(hidden, " + key.Value.Length + " characters)", "must be hex with at least 32 digits (16 bytes)");
            }
        }

        if (c.KeyFile.Length > 0 && !File.Exists(c.KeyFile))
        {
            p.Add("Commands:KeyFile", c.KeyFile, "file does not exist");
        }

        p.Range("Commands:ReplayWindow", c.ReplayWindow, 1, 65536, "commands remembered against replay");
        if (c.MaxClockSkewMs < 0 || c.MaxClockSkewMs > 600_000)
        {
            p.Add("Commands:MaxClockSkewMs", c.MaxClockSkewMs, "must be between 0 and 600000 ms");
        }
    }

    private static void Check(Problems p, string k, CheckOptions c, HashSet<string> names)
    {
        if (!TopicTree.IsValidName(c.Name))
        {
            p.Add(k + "Name", c.Name, "must be 1-64 characters without '/', '+', '#' or spaces");
        }
        else if (!names.Add(c.Name))
        {
            p.Add(k + "Name", c.Name, "is used by another check; names must be unique");
        }

        if (!CheckKinds.Contains(c.Kind))
        {
            p.Add(k + "Kind", c.Kind, "must be one of " + string.Join(", ", CheckKinds));
        }

        if (c.GatesPromotion && c.Required)
        {
            // Required would stop the heartbeat on the very failure that should only hold the
            // node back from promotion: the board would reset it, and a lagging standby that is
            // reset again and again never catches up.
            p.Add(k + "GatesPromotion", c.GatesPromotion, "cannot be combined with Required: a failing required check stops the heartbeat and gets the node reset, a check that gates promotion only keeps it from becoming active; set Required false");
        }

        if (c.RequiredWhen is not (RequiredWhenWords.Always or RequiredWhenWords.Active))
        {
            p.Add(k + "RequiredWhen", c.RequiredWhen, $"must be '{RequiredWhenWords.Always}' or '{RequiredWhenWords.Active}' (only while this node is active)");
        }
        else if (c.RequiredWhen == RequiredWhenWords.Active && !c.Required)
        {
            p.Add(k + "RequiredWhen", c.RequiredWhen, "says when Required applies, and Required is false: set Required true, or remove RequiredWhen");
        }

        p.Range(k + "IntervalMs", c.IntervalMs, 100, 86_400_000, "ms");
        p.Range(k + "TimeoutMs", c.TimeoutMs, 10, 3_600_000, "ms");
        if (c.TimeoutMs > c.IntervalMs)
        {
            p.Add(k + "TimeoutMs", c.TimeoutMs, "must not exceed IntervalMs (" + c.IntervalMs + "); probes would pile up");
        }

        p.Range(k + "FailThreshold", c.FailThreshold, 1, 100, "consecutive failures");
        p.Range(k + "SuccessThreshold", c.SuccessThreshold, 1, 100, "consecutive successes");
        p.Range(k + "Actions:RemediateTimeoutMs", c.Actions.RemediateTimeoutMs, 100, 3_600_000, "ms");

        switch (c.Kind)
        {
            case "process":
                if ((c.ProcessName.Length == 0) == (c.PidFile.Length == 0))
                {
                    p.Add(k + "ProcessName", c.ProcessName, "set exactly one of ProcessName and PidFile");
                }

                break;
            case "systemd-unit":
                NonEmpty(p, k + "Unit", c.Unit, "must name a systemd unit, e.g. nginx.service");
                break;
            case "tcp":
                NonEmpty(p, k + "Host", c.Host, "must name the host to connect to");
                p.Range(k + "Port", c.Port, 1, 65535, "");
                break;
            case "http":
                if (!Uri.TryCreate(c.Url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                {
                    p.Add(k + "Url", c.Url, "must be an absolute http:// or https:// URL");
                }

                foreach (int s in c.ExpectStatus)
                {
                    p.Range(k + "ExpectStatus", s, 100, 599, "(HTTP status code)");
                }

                if (c.MaxLatencyMs < 0 || c.MaxLatencyMs > c.TimeoutMs)
                {
                    p.Add(k + "MaxLatencyMs", c.MaxLatencyMs, "must be between 0 (off) and TimeoutMs (" + c.TimeoutMs + ")");
                }

                break;
            case "command":
                NonEmpty(p, k + "Command", c.Command, "must hold the command line to run (through sh -c)");
                p.Range(k + "ExpectExitCode", c.ExpectExitCode, 0, 255, "");
                break;
            case "carrier":
                if (c.Interface.Length == 0 || c.Interface.Contains('/', StringComparison.Ordinal) || c.Interface.Contains("..", StringComparison.Ordinal))
                {
                    p.Add(k + "Interface", c.Interface, "must name a network interface such as eth0");
                }

                break;
            case "metric":
                if (!MetricNames.Contains(c.Metric))
                {
                    p.Add(k + "Metric", c.Metric, "must be one of " + string.Join(", ", MetricNames));
                }

                if (double.IsNaN(c.Max) || c.Max < 0 || ((c.Metric == "cpu" || c.Metric == "memory" || c.Metric == "disk") && c.Max > 100))
                {
                    p.Add(k + "Max", double.IsNaN(c.Max) ? "(unset)" : c.Max.ToString(CultureInfo.InvariantCulture), "must be a threshold >= 0 (percent 0-100 for cpu, memory, disk)");
                }

                break;
            case "log-file":
            case "journal":
                if (c.Kind == "log-file")
                {
                    NonEmpty(p, k + "Path", c.Path, "must name the log file to follow");
                }

                Pattern(p, k + "Pattern", c.Pattern);
                p.Range(k + "MaxMatches", c.MaxMatches, 1, 1_000_000, "matches per window");
                p.Range(k + "WindowMs", c.WindowMs, 100, 86_400_000, "ms");
                break;
            case "postgres":
                Postgres(p, k, c);
                break;
        }
    }

    private static void Postgres(Problems p, string k, CheckOptions c)
    {
        if (string.IsNullOrWhiteSpace(c.ConnectionString))
        {
            p.Add(k + "ConnectionString", c.ConnectionString, "must hold an Npgsql connection string to this node's PostgreSQL, e.g. Host=/var/run/postgresql;Username=watchdog;Database=postgres");
        }
        else
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(c.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                // Never echo a connection string: it may carry a password.
                p.Add(k + "ConnectionString", "(hidden, " + c.ConnectionString.Length + " characters)", "is not a valid Npgsql connection string: " + ex.Message);
            }
        }

        // Below one WAL page the primary's own position, read a moment after ours, already exceeds it under writes.
        p.Range(k + "MaxLagBytes", c.MaxLagBytes, 8192, 1L << 40, "bytes");
        p.Range(k + "MaxLagMs", c.MaxLagMs, 100, 86_400_000, "ms");
        if (c.MaxContactAgeMs != 0)
        {
            p.Range(k + "MaxContactAgeMs", c.MaxContactAgeMs, 1000, 86_400_000, "ms (0 lets the primary's last word count for ever)");
        }

        if (c.PrimaryTimeoutMs < 50 || c.PrimaryTimeoutMs >= c.TimeoutMs)
        {
            p.Add(k + "PrimaryTimeoutMs", c.PrimaryTimeoutMs, "must be at least 50 and below TimeoutMs (" + c.TimeoutMs + "): a primary that hangs must leave time for the verdict");
        }

        if (c.ApplicationName.Any(char.IsWhiteSpace))
        {
            p.Add(k + "ApplicationName", c.ApplicationName, "must be the standby's application_name as pg_stat_replication shows it (no spaces)");
        }
    }

    private static void Pattern(Problems p, string key, string pattern)
    {
        if (pattern.Length == 0)
        {
            p.Add(key, pattern, "must hold a regular expression");
            return;
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException ex)
        {
            p.Add(key, pattern, "is not a valid regular expression: " + ex.Message);
        }
    }

    private static void Name(Problems p, string key, string value, bool required)
    {
        if (value.Length == 0 && !required)
        {
            return;
        }

        if (!TopicTree.IsValidName(value))
        {
            p.Add(key, value, "must be 1-64 characters without '/', '+', '#' or spaces (it becomes part of MQTT topics)");
        }
    }

    private static void NonEmpty(Problems p, string key, string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            p.Add(key, value, what);
        }
    }

    private static bool IsHex(string s)
    {
        if (s.Length % 2 != 0)
        {
            return false;
        }

        foreach (char ch in s)
        {
            if (!char.IsAsciiHexDigit(ch))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Problems
    {
        public List<string> List { get; } = new();

        public void Add(string key, object value, string what)
        {
            string shown = value is string s ? "'" + s + "'" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            List.Add(key + " = " + shown + ": " + what);
        }

        public void Range(string key, long value, long min, long max, string unit)
        {
            if (value < min || value > max)
            {
                Add(key, value, ("must be between " + min + " and " + max + " " + unit).TrimEnd());
            }
        }
    }
}
