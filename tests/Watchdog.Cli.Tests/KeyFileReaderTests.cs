namespace Watchdog.Cli.Tests;

public class KeyFileReaderTests
{
    [Fact]
    public void Reads_keys_and_skips_comments()
    {
        var key = ClusterKey.Generate("k1");
        var keys = KeyFileReader.Parse(["# comment", "", key.ToLine()], "test.key");
        Assert.Single(keys);
        Assert.Equal("k1", keys[0].KeyId);
        Assert.Equal(key.Key, keys[0].Key);
    }

    [Theory]
    [InlineData("nocolon", "test.key:1: expected '<key-id>:<64 hex digits>'")]
    [InlineData("k1:abcd", "test.key:1: key 'k1' must be 64 hex digits")]
    [InlineData("k1:zz00000000000000000000000000000000000000000000000000000000000000", "test.key:1: key 'k1' must be 64 hex digits")]
    public void Bad_lines_are_named_with_file_and_line(string line, string message)
    {
        var ex = Assert.Throws<KeyFileException>(() => KeyFileReader.Parse([line], "test.key"));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_missing_file_says_how_to_make_one()
    {
        var ex = Assert.Throws<KeyFileException>(() => KeyFileReader.Read("/nonexistent/cluster.key"));
        Assert.Contains("watchdogctl keys generate", ex.Message, StringComparison.Ordinal);
    }
}
