namespace Watchdog.Operator.Spof;

/// <summary>Where a single point of failure sits, in the order the report lists them: the wire a packet takes, the power a server runs on, the software that serves, the watchdog that watches it, the site it all stands in.</summary>
public enum SpofLayer
{
    Network,
    Hardware,
    Software,
    Watchdog,
    Site,
}

/// <summary>
/// One single point of failure: its layer, a short kind (stable, for scripts: <c>one-switch</c>,
/// <c>one-nic</c>, ...), the file and the path in it of the element that is single, what is wrong
/// and what removes it.
/// </summary>
public sealed record SpofFinding(SpofLayer Layer, string Kind, string File, string Path, string Problem, string Remedy)
{
    public static string Word(SpofLayer layer) => layer switch
    {
        SpofLayer.Network => "network",
        SpofLayer.Hardware => "hardware",
        SpofLayer.Software => "software",
        SpofLayer.Watchdog => "watchdog",
        _ => "site",
    };
}
