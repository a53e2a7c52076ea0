using Npgsql;
using Watchdog.Postgres.Tests.Support;

namespace Watchdog.Postgres.Tests;

public sealed class EpochFenceTests
{
    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task A_write_with_an_older_epoch_or_none_is_refused_and_the_current_one_is_accepted()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);
        await using NpgsqlConnection admin = await OpenAsync(primary);
        await EpochFence.InstallAsync(admin);
        await ExecuteAsync(admin, "CREATE TABLE orders (id int)");
        await EpochFence.ProtectAsync(admin, "orders");
        Assert.Equal(5L, await EpochFence.RaiseAsync(admin, 5));

        await using NpgsqlConnection writer = await OpenAsync(primary);
        var none = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(writer, "INSERT INTO orders VALUES (1)"));
        Assert.Equal(EpochFence.NoEpochSqlState, none.SqlState);
        Assert.Contains("set no watchdog.epoch; the fence is at epoch 5", none.MessageText, StringComparison.Ordinal);

        await EpochFence.SetSessionEpochAsync(writer, 4);
        var stale = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(writer, "INSERT INTO orders VALUES (2)"));
        Assert.Equal(EpochFence.StaleEpochSqlState, stale.SqlState);
        Assert.Contains("epoch 4 is older than the fence at epoch 5", stale.MessageText, StringComparison.Ordinal);
        Assert.True(EpochFence.IsRefusal(stale));

        await EpochFence.SetSessionEpochAsync(writer, 5);
        await ExecuteAsync(writer, "INSERT INTO orders VALUES (3)");
        await EpochFence.SetSessionEpochAsync(writer, 6); // a newer epoch than the fence: the fence is a floor
        await ExecuteAsync(writer, "INSERT INTO orders VALUES (4)");

        Assert.Equal("3,4", await primary.QueryAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM orders"));
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task The_fence_never_goes_down_and_guards_updates_deletes_and_truncate_too()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);
        await using NpgsqlConnection admin = await OpenAsync(primary);
        await EpochFence.InstallAsync(admin);
        await EpochFence.InstallAsync(admin); // idempotent: the recipe may run it on every upgrade
        await ExecuteAsync(admin, "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)");
        await EpochFence.ProtectAsync(admin, "public.orders");

        Assert.Equal(9L, await EpochFence.RaiseAsync(admin, 9));
        Assert.Equal(9L, await EpochFence.RaiseAsync(admin, 3));
        Assert.Equal(9L, await EpochFence.CurrentAsync(admin));

        await using NpgsqlConnection writer = await OpenAsync(primary);
        await EpochFence.SetSessionEpochAsync(writer, 8);
        foreach (string write in new[] { "UPDATE orders SET id = 2", "DELETE FROM orders", "TRUNCATE orders" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(writer, write));
            Assert.Equal(EpochFence.StaleEpochSqlState, refused.SqlState);
        }

        await ExecuteAsync(writer, "SET watchdog.epoch = 'nine'");
        var malformed = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(writer, "DELETE FROM orders"));
        Assert.Equal(EpochFence.MalformedEpochSqlState, malformed.SqlState);
        Assert.Equal(1L, await primary.QueryAsync<long>("SELECT count(*) FROM orders WHERE id = 1"));
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task Bad_input_is_refused_naming_it()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);
        await using NpgsqlConnection admin = await OpenAsync(primary);
        await EpochFence.InstallAsync(admin);

        var noTable = await Assert.ThrowsAsync<ArgumentException>(() => EpochFence.ProtectAsync(admin, "no_such_table"));
        Assert.Contains("'no_such_table'", noTable.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => EpochFence.RaiseAsync(admin, -1));
        var negative = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(admin, "SELECT watchdog.raise_fence(-1)"));
        Assert.Contains("got -1", negative.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public void The_recipe_file_and_the_embedded_sql_are_the_same_text()
    {
        string recipe = File.ReadAllText(Path.Combine(Repository.Root, "host/Watchdog.Postgres/recipe/fence.sql"));
        Assert.Equal(recipe, EpochFence.InstallSql);
        Assert.Contains("CREATE OR REPLACE FUNCTION watchdog.raise_fence", EpochFence.InstallSql, StringComparison.Ordinal);
    }

    private static async Task<NpgsqlConnection> OpenAsync(PostgresServer server)
    {
        var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
