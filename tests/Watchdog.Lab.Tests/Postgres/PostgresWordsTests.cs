using Watchdog.Lab.Bench;
using Watchdog.Postgres;

namespace Watchdog.Lab.Tests.Postgres;

/// <summary>The --service and --postgres-mode words, and what a database bench's report is called.</summary>
public sealed class PostgresWordsTests
{
    [Theory]
    [InlineData("http", RackService.Http)]
    [InlineData("postgres", RackService.Postgres)]
    [InlineData(" PostgreSQL ", RackService.Postgres)]
    public void Service_words_name_a_service(string word, RackService expected) =>
        Assert.Equal(expected, RackPostgres.ParseService(word));

    [Theory]
    [InlineData("sync", ReplicationMode.Synchronous)]
    [InlineData("async", ReplicationMode.Asynchronous)]
    [InlineData("Synchronous", ReplicationMode.Synchronous)]
    public void Mode_words_name_a_replication_mode(string word, ReplicationMode expected) =>
        Assert.Equal(expected, RackPostgres.ParseMode(word));

    [Fact]
    public void A_wrong_word_is_refused_naming_the_option_and_the_choices()
    {
        var service = Assert.Throws<FormatException>(() => RackPostgres.ParseService("mysql"));
        Assert.Contains("--service mysql", service.Message, StringComparison.Ordinal);
        Assert.Contains("postgres", service.Message, StringComparison.Ordinal);
        var mode = Assert.Throws<FormatException>(() => RackPostgres.ParseMode("semi"));
        Assert.Contains("--postgres-mode semi", mode.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Results_of_a_database_bench_say_the_database_and_its_mode() =>
        Assert.Equal(
            ["failover-hang-agent-crash-postgres-sync", "failover-postgres-async", "failover-hang"],
            [
                BenchRun.ResultsWhat(new BenchSettings { Scenario = "hang,agent-crash", Service = RackService.Postgres }, null),
                BenchRun.ResultsWhat(new BenchSettings { Service = RackService.Postgres, PostgresMode = ReplicationMode.Asynchronous }, null),
                BenchRun.ResultsWhat(new BenchSettings { Scenario = "hang" }, null),
            ]);
}
