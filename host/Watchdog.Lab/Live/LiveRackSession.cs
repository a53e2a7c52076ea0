using System.Text.Json;
using System.Text.Json.Serialization;

namespace Watchdog.Lab.Live;

/// <summary>
/// What a running rack tells the shells around it, written to session.json in the rack's session
/// folder while it runs: where its broker is, how an operator logs in and signs, and the socket
/// that takes fault requests. `watchdogctl rack fault|recover|down` read it to find the rack.
/// </summary>
public sealed record LiveRackSession
{
    public const string FileName = "session.json";

    public required int Pid { get; init; }

    public required string Cluster { get; init; }

    public required string Group { get; init; }

    public required IReadOnlyList<string> Nodes { get; init; }

    public required IReadOnlyList<string> Boards { get; init; }

    /// <summary>host:port of the rack's mosquitto.</summary>
    public required string Broker { get; init; }

    /// <summary>The operator's MQTT user (its password is in <see cref="PasswordFile"/>).</summary>
    public required string Username { get; init; }

    public required string PasswordFile { get; init; }

    /// <summary>The operator key file that signs commands.</summary>
    public required string KeyFile { get; init; }

    /// <summary>The Unix socket that takes <see cref="LiveRackRequest"/> lines.</summary>
    public required string ControlSocket { get; init; }

    /// <summary>The rack's own folder: board, agent and broker logs.</summary>
    public required string RackDirectory { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string PathIn(string sessionDirectory) => System.IO.Path.Combine(sessionDirectory, FileName);

    public void WriteTo(string sessionDirectory)
    {
        Directory.CreateDirectory(sessionDirectory);
        var path = PathIn(sessionDirectory);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The session of the rack running in <paramref name="sessionDirectory"/>; a missing or unreadable file is a <see cref="LabFailedException"/> that says so.</summary>
    public static LiveRackSession ReadFrom(string sessionDirectory)
    {
        var path = PathIn(sessionDirectory);
        if (!File.Exists(path))
        {
            throw new LabFailedException($"no rack is running with its session in {sessionDirectory} ({path} does not exist): start one with `watchdogctl rack up`");
        }

        try
        {
            return JsonSerializer.Deserialize<LiveRackSession>(File.ReadAllText(path), Json)
                   ?? throw new LabFailedException($"{path} is empty");
        }
        catch (JsonException ex)
        {
            throw new LabFailedException($"{path} is not a rack session: {ex.Message}");
        }
    }
}
