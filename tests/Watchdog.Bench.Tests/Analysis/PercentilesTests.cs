using Watchdog.Bench.Analysis;

namespace Watchdog.Bench.Tests.Analysis;

public class PercentilesTests
{
    [Fact]
    public void Five_runs_p50_is_the_third_value_and_high_percentiles_are_the_worst()
    {
        double[] values = [50, 10, 40, 20, 30]; // unsorted on purpose

        Assert.Equal(30, Percentiles.NearestRank(values, 50));
        Assert.Equal(50, Percentiles.NearestRank(values, 95));
        Assert.Equal(50, Percentiles.NearestRank(values, 99));
        Assert.Equal(50, Percentiles.NearestRank(values, 100));
        Assert.Equal(10, Percentiles.NearestRank(values, 0));
        Assert.Equal(10, Percentiles.NearestRank(values, 20)); // rank ceil(1.0) = 1
        Assert.Equal(20, Percentiles.NearestRank(values, 21)); // rank ceil(1.05) = 2
    }

    [Fact]
    public void Twenty_values_p95_is_the_nineteenth_not_the_twentieth()
    {
        // 0.95 * 20 is 19.000000000000004 in doubles; a naive ceil would pick rank 20.
        double[] values = Enumerable.Range(1, 20).Select(i => (double)i).ToArray();

        Assert.Equal(19, Percentiles.NearestRank(values, 95));
        Assert.Equal(10, Percentiles.NearestRank(values, 50));
    }

    [Fact]
    public void Hundred_values_match_their_rank()
    {
        double[] values = Enumerable.Range(1, 100).Select(i => i * 10.0).Reverse().ToArray();

        Assert.Equal(500, Percentiles.NearestRank(values, 50));
        Assert.Equal(990, Percentiles.NearestRank(values, 99));
        Assert.Equal(1000, Percentiles.NearestRank(values, 99.5));
    }

    [Fact]
    public void Bad_input_is_refused_with_a_reason()
    {
        Assert.Contains("no values", Assert.Throws<ArgumentException>(() => Percentiles.NearestRank([], 50)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.NearestRank([1.0], 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.NearestRank([1.0], -1));
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Percentiles.NearestRank([1.0, double.NaN], 50)).Message);
    }

    [Fact]
    public void Distribution_counts_missing_runs_instead_of_treating_them_as_zero()
    {
        Distribution d = Distribution.Of([100, null, 300, 200, null]);

        Assert.Equal(3, d.Count);
        Assert.Equal(2, d.Missing);
        Assert.Equal(200, d.P50);
        Assert.Equal(300, d.Max);
        Assert.Equal(100, d.Min);
    }

    [Fact]
    public void Distribution_of_only_missing_values_has_no_percentiles()
    {
        Distribution d = Distribution.Of([null, null]);

        Assert.Equal(0, d.Count);
        Assert.Equal(2, d.Missing);
        Assert.Null(d.P50);
        Assert.Null(d.Max);
    }
}
