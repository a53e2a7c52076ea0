using Watchdog.Metrics;

namespace Watchdog.Testing;

/// <summary>Reads a Prometheus endpoint over HTTP, as Prometheus does, and answers questions about one scrape.</summary>
public sealed class MetricsScraper : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public MetricsScraper(string url)
    {
        Url = url;
    }

    public string Url { get; }

    /// <summary>The text of the latest scrape, for a failing test's output.</summary>
    public string LastText { get; private set; } = "";

    public async Task<Scrape> ScrapeAsync()
    {
        LastText = await _http.GetStringAsync(new Uri(Url));
        return new Scrape(Exposition.Parse(LastText));
    }

    /// <summary>
    /// Scrapes until <paramref name="condition"/> holds, a refused connection counting as not yet
    /// (the program may still be starting); every 50 ms, as a scraper at a short interval would.
    /// </summary>
    public async Task<Scrape> WaitForAsync(Func<Scrape, bool> condition, TimeSpan timeout, string what)
    {
        Scrape? last = null;
        bool met = await Poll.UntilAsync(() =>
        {
            try
            {
                last = ScrapeAsync().GetAwaiter().GetResult();
                return condition(last);
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, timeout, TimeSpan.FromMilliseconds(50));
        if (!met)
        {
            throw new TimeoutException($"timed out waiting for {what} on {Url}; last scrape:\n{LastText}");
        }

        return last!;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>One scrape's families, and the value of a series picked by name and labels.</summary>
public sealed class Scrape(IReadOnlyList<MetricFamily> families)
{
    public IReadOnlyList<MetricFamily> Families { get; } = families;

    public IEnumerable<Sample> Samples => Families.SelectMany(f => f.Samples);

    /// <summary>The value of the one sample named <paramref name="name"/> whose labels include <paramref name="labels"/> ("k=v"); null when there is none.</summary>
    public double? Value(string name, params string[] labels)
    {
        Sample[] found = Samples.Where(s => s.Name == name && labels.All(l => Has(s, l))).ToArray();
        return found.Length switch
        {
            0 => null,
            1 => found[0].Value,
            _ => throw new InvalidOperationException($"{found.Length} series of {name} match {string.Join(",", labels)}: name more labels"),
        };
    }

    private static bool Has(Sample s, string label)
    {
        int eq = label.IndexOf('=', StringComparison.Ordinal);
        return s.Label(label[..eq]) == label[(eq + 1)..] && s.Labels.ContainsKey(label[..eq]);
    }
}
