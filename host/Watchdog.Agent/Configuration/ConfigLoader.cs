using Microsoft.Extensions.Configuration;

namespace Watchdog.Agent.Configuration;

/// <summary>A configuration the agent must not start with; Problems name key, value and what is wrong.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public ConfigException(string problem)
        : this(new[] { problem })
    {
    }

    public IReadOnlyList<string> Problems { get; }
}

/// <summary>
/// Reads the one JSON file given by --config, then applies WATCHDOG_AGENT__&lt;Section&gt;__&lt;Key&gt;
/// environment overrides (double underscore separates levels, list items by index:
/// WATCHDOG_AGENT__Checks__0__Required=false), binds and validates.
/// </summary>
public static class ConfigLoader
{
    public const string EnvironmentPrefix = "WATCHDOG_AGENT__";

    public static AgentOptions Load(string path)
    {
        IConfigurationRoot root = Build(path);
        List<string> unknown = UnknownKeys.Find(root, typeof(AgentOptions));
        if (unknown.Count > 0)
        {
            throw new ConfigException(unknown);
        }

        var options = new AgentOptions();
        try
        {
            // Unknown keys are errors: a misspelt "Requird": true must not silently mean false.
            root.Bind(options, b => b.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigException(DescribeBindError(ex));
        }

        IReadOnlyList<string> problems = ConfigValidator.Validate(options);
        if (problems.Count > 0)
        {
            throw new ConfigException(problems);
        }

        return options;
    }

    private static IConfigurationRoot Build(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigException("--config: no configuration file given (usage: Watchdog.Agent --config /etc/watchdog/agent.json)");
        }

        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ConfigException($"--config = '{path}': file does not exist");
        }

        try
        {
            return new ConfigurationBuilder()
                .AddJsonFile(full, optional: false, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .Build();
        }
        catch (InvalidDataException ex)
        {
            // The JSON provider wraps the parser error; its inner message has line and position.
            string inner = ex.InnerException?.Message ?? ex.Message;
            throw new ConfigException($"--config = '{path}': not valid JSON: {inner}");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ConfigException($"--config = '{path}': cannot be read: {ex.Message}");
        }
    }

    private static string DescribeBindError(InvalidOperationException ex)
    {
        // The binder's message already names the value and the key ("Failed to convert
        // configuration value 'abc' at 'Heartbeat:PeriodMs' to type 'System.Int32'");
        // keep the innermost one, which is the precise one. Unknown keys were caught before.
        Exception e = ex;
        while (e.InnerException is InvalidOperationException inner)
        {
            e = inner;
        }

        return "configuration value of the wrong type: " + e.Message;
    }
}
