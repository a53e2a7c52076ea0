namespace Watchdog.Postgres;

/// <summary>
/// Where the PostgreSQL server programs (initdb, pg_ctl, postgres, pg_basebackup, pg_rewind,
/// pg_isready, psql) live: $WATCHDOG_PG_BINDIR, else Debian's PostgreSQL 15 directory.
/// </summary>
public sealed class PgBinaries
{
    /// <summary>The environment variable that overrides <see cref="DefaultDirectory"/>.</summary>
    public const string DirectoryVariable = "WATCHDOG_PG_BINDIR";

    /// <summary>Where Debian's postgresql-15 package puts the server programs.</summary>
    public const string DefaultDirectory = "/usr/lib/postgresql/15/bin";

    private static readonly string[] Required = ["initdb", "pg_ctl", "postgres", "pg_basebackup", "pg_rewind", "pg_isready"];

    private PgBinaries(string directory)
    {
        Directory = directory;
    }

    /// <summary>The directory holding the programs.</summary>
    public string Directory { get; }

    /// <summary>The full path of <paramref name="program"/> (e.g. "pg_ctl") in <see cref="Directory"/>.</summary>
    public string Path(string program) => System.IO.Path.Combine(Directory, program);

    /// <summary>
    /// Finds the programs, or throws naming the directory looked in, the program missing there and
    /// how to install them.
    /// </summary>
    public static PgBinaries Find()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        string directory = string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultDirectory : fromEnvironment;
        string source = string.IsNullOrWhiteSpace(fromEnvironment) ? "the default" : "$" + DirectoryVariable;
        string? missing = MissingProgram(directory);
        if (missing is not null)
        {
            throw new FileNotFoundException(
                $"PostgreSQL server programs not found: {System.IO.Path.Combine(directory, missing)} does not exist " +
                $"({source} directory). Install them with ./scripts/install-test-deps.sh (Debian: apt-get install postgresql-15), " +
                $"or set {DirectoryVariable} to the directory holding initdb and pg_ctl.");
        }

        return new PgBinaries(directory);
    }

    /// <summary>True when the programs are installed (tests that need them skip or fail clearly otherwise).</summary>
    public static bool AreInstalled()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        return MissingProgram(string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultDirectory : fromEnvironment) is null;
    }

    private static string? MissingProgram(string directory) =>
        Required.FirstOrDefault(program => !File.Exists(System.IO.Path.Combine(directory, program)));
}
