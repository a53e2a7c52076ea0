using System.Text.RegularExpressions;

namespace Watchdog.Postgres;

/// <summary>Checks <see cref="PostgresServerOptions"/> up front, so a bad value fails with its name instead of deep inside pg_ctl.</summary>
internal static partial class OptionsValidation
{
    /// <summary>
    /// A standby's name is its application_name: it goes unquoted into primary_conninfo and quoted
    /// into synchronous_standby_names, and PostgreSQL keeps only 63 bytes of it.
    /// </summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public static void Check(PostgresServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string who = $"PostgresServerOptions for '{options.Name}'";
        if (options.Name is null || !IsValidName(options.Name))
        {
            throw new ArgumentException(
                $"PostgresServerOptions.Name '{options.Name}' is not usable as an application_name: use 1 to 63 letters, digits, '_', '-' or '.'",
                nameof(options));
        }

        CheckPath(who, nameof(options.DataDirectory), options.DataDirectory);
        CheckPath(who, nameof(options.SocketDirectory), options.SocketDirectory);
        if (options.Port is < 1 or > 65535)
        {
            throw new ArgumentException($"{who}: Port {options.Port} is not a TCP port (1..65535)", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.ListenAddress) || !ListenPattern().IsMatch(options.ListenAddress))
        {
            throw new ArgumentException($"{who}: ListenAddress '{options.ListenAddress}' is not an address list (e.g. 127.0.0.1, 10.0.0.5,::1 or *)", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.OsUser) || !NamePattern().IsMatch(options.OsUser))
        {
            throw new ArgumentException($"{who}: OsUser '{options.OsUser}' is not a user name", nameof(options));
        }

        if (options.CommandPrefix.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"{who}: CommandPrefix [{string.Join(", ", options.CommandPrefix)}] has an empty element", nameof(options));
        }
    }

    /// <summary>Absolute, and free of the characters the pg_ctl -o shell string and libpq settings cannot carry.</summary>
    private static void CheckPath(string who, string field, string path)
    {
        if (string.IsNullOrWhiteSpace(path) || !Path.IsPathFullyQualified(path))
        {
            throw new ArgumentException($"{who}: {field} '{path}' must be an absolute path", field);
        }

        if (path.IndexOfAny(['\'', '"', '\\', '\n', '\r', '\0']) >= 0)
        {
            throw new ArgumentException($"{who}: {field} '{path}' holds a quote, backslash or line break, which pg_ctl's -o string cannot carry", field);
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.:*,\- ]+$")]
    private static partial Regex ListenPattern();
}
