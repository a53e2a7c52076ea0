namespace Watchdog.Cli.Tests.Dr;

/// <summary>The checked-in files the DR tests read: the example configuration and docs/dr.md.</summary>
internal static class DrFiles
{
    public static string ExampleConfig => Path.Combine(Root(), "host", "Watchdog.Sites", "dr.example.json");

    public static string Doc => Path.Combine(Root(), "docs", "dr.md");

    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Watchdog.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Watchdog.sln above {AppContext.BaseDirectory}");
    }
}
