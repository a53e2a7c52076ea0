namespace Watchdog.Agent.Tests;

/// <summary>Every refusal names the key, the value and what is wrong.</summary>
[Collection("environment")]
public sealed class ConfigValidationTests
{
    private static AgentOptions ValidOptions() => new()
    {
        Cluster = "c",
        Node = "n1",
        Heartbeat = new HeartbeatOptions { Driver = "virtual", WireFile = "/tmp/w", Pin = 1 },
        Mqtt = new MqttOptions { Brokers = { new BrokerOptions { Host = "127.0.0.1", Port = 1883 } } },
    };

    [Fact]
    public void A_valid_configuration_has_no_problems()
    {
        Assert.Empty(ConfigValidator.Validate(ValidOptions()));
    }

    public static TheoryData<string, Action<AgentOptions>, string> BadValues => new()
    {
        { "Node = 'a/b'", o => o.Node = "a/b", "MQTT topics" },
        { "Heartbeat:Driver = 'parallel'", o => o.Heartbeat.Driver = "parallel", "must be one of gpio, ft232h, ft4222, serial, virtual" },
        { "Heartbeat:PeriodMs = 5", o => o.Heartbeat.PeriodMs = 5, "must be between 10 and 60000" },
        { "Heartbeat:Device = ''", o => { o.Heartbeat.Driver = "serial"; o.Heartbeat.Device = ""; }, "must name the serial port" },
        { "Heartbeat:Signal = 'cts'", o => { o.Heartbeat.Driver = "serial"; o.Heartbeat.Device = "/dev/ttyUSB0"; o.Heartbeat.Signal = "cts"; }, "must be dtr or rts" },
        { "Heartbeat:Pin = 9", o => { o.Heartbeat.Driver = "ft4222"; o.Heartbeat.Pin = 9; }, "FT4222 GPIO0-GPIO3" },
        { "RoleInput:Pin = 1", o => { o.RoleInput.Source = "virtual"; o.RoleInput.Pin = 1; }, "is the heartbeat output pin" },
        { "Mqtt:Brokers = '(empty)'", o => o.Mqtt.Brokers.Clear(), "at least one broker" },
        { "Mqtt:Brokers:0:Port = 0", o => o.Mqtt.Brokers[0].Port = 0, "must be between 1 and 65535" },
        { "Mqtt:Brokers:0:CaFile = '/etc/ca.pem'", o => o.Mqtt.Brokers[0].CaFile = "/etc/ca.pem", "Tls is false" },
        { "Mqtt:KeepAliveSeconds = 0", o => o.Mqtt.KeepAliveSeconds = 0, "will never fires" },
        { "Mqtt:Username = '(empty)'", o => o.Mqtt.Password = "secret", "a password is configured but no username" },
        { "Commands:Keys:k1 = '(hidden, 6 characters)'", o => o.Commands.Keys["k1"] = "abcdef", "at least 32 digits" },
        { "Checks:0:Kind = 'ping'", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "ping" }), "must be one of process" },
        { "Checks:0:TimeoutMs = 6000", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "tcp", Host = "h", Port = 1, IntervalMs = 5000, TimeoutMs = 6000 }), "must not exceed IntervalMs" },
        { "Checks:0:Port = 70000", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "tcp", Host = "h", Port = 70000 }), "between 1 and 65535" },
        { "Checks:0:Url = 'ftp://x'", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "http", Url = "ftp://x" }), "absolute http:// or https://" },
        { "Checks:0:Pattern = '(unclosed'", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "log-file", Path = "/var/log/x", Pattern = "(unclosed" }), "not a valid regular expression" },
        { "Checks:0:Max = '(unset)'", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "metric", Metric = "cpu" }), "must be a threshold" },
        { "Checks:0:ProcessName = ''", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "process" }), "exactly one of ProcessName and PidFile" },
        { "Checks:1:Name = 'x'", o => { o.Checks.Add(new CheckOptions { Name = "x", Kind = "carrier", Interface = "eth0" }); o.Checks.Add(new CheckOptions { Name = "x", Kind = "carrier", Interface = "eth1" }); }, "names must be unique" },
        { "Checks:0:Interface = '../../etc'", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "carrier", Interface = "../../etc" }), "must name a network interface" },
        { "Checks:0:FailThreshold = 0", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "carrier", Interface = "eth0", FailThreshold = 0 }), "consecutive failures" },
        { "Checks:0:ConnectionString = ''", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "postgres" }), "must hold an Npgsql connection string" },
        { "Checks:0:ConnectionString = '(hidden, 23 characters)'", o => o.Checks.Add(Pg(c => c.ConnectionString = "Host=db;Pasword=secret1")), "is not a valid Npgsql connection string" },
        { "Checks:0:PrimaryTimeoutMs = 2000", o => o.Checks.Add(Pg(c => c.PrimaryTimeoutMs = 2000)), "below TimeoutMs (2000)" },
        { "Checks:0:MaxLagBytes = 0", o => o.Checks.Add(Pg(c => c.MaxLagBytes = 0)), "must be between 8192 and" },
        { "Checks:0:MaxLagMs = 10", o => o.Checks.Add(Pg(c => c.MaxLagMs = 10)), "must be between 100 and" },
        { "Checks:0:MaxContactAgeMs = 10", o => o.Checks.Add(Pg(c => c.MaxContactAgeMs = 10)), "0 lets the primary's last word count for ever" },
        { "Checks:0:GatesPromotion = True", o => o.Checks.Add(Pg(c => { c.GatesPromotion = true; c.Required = true; })), "cannot be combined with Required" },
        { "Checks:0:RequiredWhen = 'standby'", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "tcp", Host = "h", Port = 1, Required = true, RequiredWhen = "standby" }), "must be 'always' or 'active'" },
        { "Checks:0:RequiredWhen = 'active'", o => o.Checks.Add(new CheckOptions { Name = "x", Kind = "tcp", Host = "h", Port = 1, RequiredWhen = "active" }), "Required is false" },
        { "Checks:0:ApplicationName = 'web 2'", o => o.Checks.Add(Pg(c => c.ApplicationName = "web 2")), "no spaces" },
    };

    private static CheckOptions Pg(Action<CheckOptions> spoil)
    {
        var c = new CheckOptions { Name = "x", Kind = "postgres", ConnectionString = "Host=/var/run/postgresql;Username=watchdog" };
        spoil(c);
        return c;
    }

    [Fact]
    public void A_postgres_check_with_its_defaults_is_valid_and_the_example_loads()
    {
        AgentOptions o = ValidOptions();
        o.Checks.Add(Pg(_ => { }));
        Assert.Empty(ConfigValidator.Validate(o));

        AgentOptions example = ConfigLoader.Load(Repository.Path("host", "Watchdog.Agent", "deploy", "agent.postgres.example.json"));
        CheckOptions pg = Assert.Single(example.Checks, c => c.Kind == "postgres");
        Assert.True(pg.RequireSync);

        // The example's postgres check holds a lagging standby back from promotion instead of getting it reset.
        Assert.True(pg.GatesPromotion);
        Assert.False(pg.Required);
        Assert.Empty(ConfigValidator.Validate(example));
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Each_problem_names_key_value_and_what_is_wrong(string keyAndValue, Action<AgentOptions> spoil, string what)
    {
        AgentOptions o = ValidOptions();
        spoil(o);
        IReadOnlyList<string> problems = ConfigValidator.Validate(o);
        Assert.Contains(problems, p => p.StartsWith(keyAndValue + ": ", StringComparison.Ordinal) && p.Contains(what, StringComparison.Ordinal));
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        AgentOptions o = ValidOptions();
        o.Node = "";
        o.Heartbeat.PeriodMs = 1;
        o.Mqtt.Brokers.Clear();
        Assert.Equal(3, ConfigValidator.Validate(o).Count);
    }

    [Fact]
    public void Loader_refuses_an_unknown_key_and_names_it()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("a.json", AgentConfigs.Valid(dir.File("w"), 1883, """[ { "Name": "t", "Kind": "tcp", "Host": "127.0.0.1", "Port": 80, "Requird": true } ]"""));
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));
        Assert.Equal("Checks:0:Requird = 'True': unknown key (check the spelling against docs/agent.md)", Assert.Single(ex.Problems));
    }

    [Fact]
    public void Loader_names_key_and_value_of_a_wrong_type()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("a.json", AgentConfigs.Valid(dir.File("w"), 1883).Replace("\"PeriodMs\": 100", "\"PeriodMs\": \"fast\"", StringComparison.Ordinal));
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));
        Assert.Contains("'fast'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Heartbeat:PeriodMs", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_reports_broken_json_with_its_position()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("a.json", "{ \"Node\": \"n1\", ");
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_reports_a_missing_file()
    {
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load("/nonexistent/agent.json"));
        Assert.Equal("--config = '/nonexistent/agent.json': file does not exist", ex.Message);
    }

    [Fact]
    public void Environment_overrides_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("a.json", AgentConfigs.Valid(dir.File("w"), 1883, """[ { "Name": "t", "Kind": "tcp", "Host": "127.0.0.1", "Port": 80 } ]"""));
        Environment.SetEnvironmentVariable("WATCHDOG_AGENT__Heartbeat__PeriodMs", "300");
        Environment.SetEnvironmentVariable("WATCHDOG_AGENT__Checks__0__Required", "true");
        try
        {
            AgentOptions o = ConfigLoader.Load(path);
            Assert.Equal(300, o.Heartbeat.PeriodMs);
            Assert.True(o.Checks[0].Required);
        }
        finally
        {
            Environment.SetEnvironmentVariable("WATCHDOG_AGENT__Heartbeat__PeriodMs", null);
            Environment.SetEnvironmentVariable("WATCHDOG_AGENT__Checks__0__Required", null);
        }
    }
}
