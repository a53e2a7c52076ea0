namespace Watchdog.Lab.Live;

/// <summary>What a request to a running rack asks for.</summary>
public enum LiveRackVerb
{
    /// <summary>Inject a fault of the catalogue into a server, or a board fault into a board.</summary>
    Fault,

    /// <summary>Give a server or board back what its last fault took (a frozen process, power, a link).</summary>
    Recover,

    /// <summary>End the rack.</summary>
    Down,
}

/// <summary>
/// One request to a running rack (`watchdogctl rack fault|recover|down`), one line on its control
/// socket: "fault &lt;fault&gt; &lt;target&gt;", "recover &lt;target&gt;", "down". The rack answers with
/// one line: "ok &lt;what happened&gt;" or "error &lt;why&gt;".
/// </summary>
public sealed record LiveRackRequest(LiveRackVerb Verb, string? Fault = null, string? Target = null)
{
    public override string ToString() => Verb switch
    {
        LiveRackVerb.Fault => $"fault {Fault} {Target}",
        LiveRackVerb.Recover => $"recover {Target}",
        _ => "down",
    };

    /// <summary>Parses one request line; a line that is not one gets a sentence saying what is wrong with it.</summary>
    public static bool TryParse(string? line, out LiveRackRequest? request, out string error)
    {
        request = null;
        error = "";
        var words = (line ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        switch (words)
        {
            case ["fault", var fault, var target]:
                request = new LiveRackRequest(LiveRackVerb.Fault, fault, target);
                return true;
            case ["recover", var target]:
                request = new LiveRackRequest(LiveRackVerb.Recover, Target: target);
                return true;
            case ["down"]:
                request = new LiveRackRequest(LiveRackVerb.Down);
                return true;
            case ["fault", ..]:
                error = $"'{line}': a fault request is 'fault <fault> <node or board>'";
                return false;
            case ["recover", ..]:
                error = $"'{line}': a recover request is 'recover <node or board>'";
                return false;
            default:
                error = $"'{line}' is not a request: 'fault <fault> <target>', 'recover <target>' or 'down'";
                return false;
        }
    }
}
