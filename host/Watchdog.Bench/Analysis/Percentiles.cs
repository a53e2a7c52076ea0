namespace Watchdog.Bench.Analysis;

/// <summary>
/// Nearest-rank percentiles, the definition that never invents a value: sort the n values
/// ascending; the p-th percentile (0 &lt; p &lt;= 100) is the value at 1-based rank ceil(p/100 * n);
/// p = 0 gives the smallest value. So with 5 runs p50 is the 3rd value and p95, p99 and max are
/// all the 5th: with few runs the high percentiles honestly equal the worst run.
/// </summary>
public static class Percentiles
{
    /// <summary>The nearest-rank <paramref name="percentile"/> of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">No values, a NaN value, or a percentile outside 0-100.</exception>
    public static double NearestRank(IReadOnlyCollection<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("cannot take a percentile of no values", nameof(values));
        }

        if (double.IsNaN(percentile) || percentile < 0 || percentile > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "percentile must be between 0 and 100");
        }

        double[] sorted = values.ToArray();
        if (sorted.Any(double.IsNaN))
        {
            throw new ArgumentException("values contain NaN", nameof(values));
        }

        Array.Sort(sorted);
        // Rounding guard: 0.95 * 20 is 19.000000000000004 in binary floating point, and
        // ceil of that would wrongly be rank 20.
        int rank = (int)Math.Ceiling(Math.Round(percentile / 100.0 * sorted.Length, 9));
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}

/// <summary>The summary of one metric over the runs of a scenario; null fields when no run produced a value.</summary>
public sealed record Distribution(int Count, int Missing, double? P50, double? P95, double? P99, double? Max, double? Min)
{
    /// <summary>Summarises the values; null entries (not applicable or never reached) are counted as missing.</summary>
    public static Distribution Of(IEnumerable<double?> values)
    {
        List<double?> all = values.ToList();
        List<double> present = all.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        if (present.Count == 0)
        {
            return new Distribution(0, all.Count, null, null, null, null, null);
        }

        return new Distribution(
            present.Count,
            all.Count - present.Count,
            Percentiles.NearestRank(present, 50),
            Percentiles.NearestRank(present, 95),
            Percentiles.NearestRank(present, 99),
            present.Max(),
            present.Min());
    }
}
