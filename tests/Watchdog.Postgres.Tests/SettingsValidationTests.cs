namespace Watchdog.Postgres.Tests;

/// <summary>Bad settings fail up front, naming the setting and the value; no PostgreSQL needed.</summary>
public sealed class SettingsValidationTests
{
    private static readonly PostgresServerOptions Good = new()
    {
        Name = "node1",
        DataDirectory = "/tmp/pg/node1/data",
        SocketDirectory = "/tmp/pg/node1/socket",
        Port = 5432,
    };

    [Theory]
    [InlineData("", "Name '' is not usable as an application_name")]
    [InlineData("node 1", "Name 'node 1' is not usable")]
    [InlineData("node'1", "Name 'node'1' is not usable")]
    public void A_name_that_cannot_be_an_application_name_is_refused(string name, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresServer(Good with { Name = name }, binaries: null));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_or_quoted_path_and_a_bad_port_are_refused_by_name()
    {
        Assert.Contains("DataDirectory 'data' must be an absolute path",
            Assert.Throws<ArgumentException>(() => new PostgresServer(Good with { DataDirectory = "data" })).Message, StringComparison.Ordinal);
        Assert.Contains("SocketDirectory '/tmp/it's' holds a quote",
            Assert.Throws<ArgumentException>(() => new PostgresServer(Good with { SocketDirectory = "/tmp/it's" })).Message, StringComparison.Ordinal);
        Assert.Contains("Port 70000 is not a TCP port",
            Assert.Throws<ArgumentException>(() => new PostgresServer(Good with { Port = 70000 })).Message, StringComparison.Ordinal);
        Assert.Contains("ListenAddress '127.0.0.1; rm' is not an address list",
            Assert.Throws<ArgumentException>(() => new PostgresServer(Good with { ListenAddress = "127.0.0.1; rm" })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synchronous_mode_lists_the_standbys_quoted_first_one_wins()
    {
        Assert.Equal("FIRST 1 (\"node2\", \"node3\")", ReplicationSettings.StandbyNames(ReplicationMode.Synchronous, ["node2", "node3"]));
        Assert.Equal("", ReplicationSettings.StandbyNames(ReplicationMode.Asynchronous, ["ignored"]));
        Assert.Contains("synchronous_standby_names = 'FIRST 1 (\"node2\")'", ReplicationSettings.ConfigLines(ReplicationMode.Synchronous, ["node2"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Synchronous_mode_without_a_standby_or_with_a_bad_name_is_refused()
    {
        Assert.Contains("needs at least one standby name",
            Assert.Throws<ArgumentException>(() => ReplicationSettings.StandbyNames(ReplicationMode.Synchronous, [])).Message, StringComparison.Ordinal);
        Assert.Contains("standby name 'a\"b' is not a usable application_name",
            Assert.Throws<ArgumentException>(() => ReplicationSettings.StandbyNames(ReplicationMode.Synchronous, ["a\"b"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_binaries_are_reported_with_the_directory_and_how_to_install_them()
    {
        string? before = Environment.GetEnvironmentVariable(PgBinaries.DirectoryVariable);
        try
        {
            Environment.SetEnvironmentVariable(PgBinaries.DirectoryVariable, "/nonexistent/pg/bin");
            var error = Assert.Throws<FileNotFoundException>(PgBinaries.Find);
            Assert.Contains("/nonexistent/pg/bin/initdb does not exist ($WATCHDOG_PG_BINDIR directory)", error.Message, StringComparison.Ordinal);
            Assert.Contains("./scripts/install-test-deps.sh", error.Message, StringComparison.Ordinal);
            Assert.False(PgBinaries.AreInstalled());
        }
        finally
        {
            Environment.SetEnvironmentVariable(PgBinaries.DirectoryVariable, before);
        }
    }
}
