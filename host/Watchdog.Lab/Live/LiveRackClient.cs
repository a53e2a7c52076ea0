using System.Net.Sockets;
using System.Text;

namespace Watchdog.Lab.Live;

/// <summary>The other shell's side: sends one request to a running rack and returns its answer line.</summary>
public static class LiveRackClient
{
    /// <summary>
    /// Sends <paramref name="request"/> to the rack whose session is in <paramref name="sessionDirectory"/>.
    /// Returns (ok, the rack's sentence). A rack that is gone (its socket refuses) is a
    /// <see cref="LabFailedException"/> naming the session.
    /// </summary>
    public static async Task<(bool Ok, string Detail)> SendAsync(string sessionDirectory, LiveRackRequest request, CancellationToken ct)
    {
        var session = LiveRackSession.ReadFrom(sessionDirectory);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(session.ControlSocket), ct).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new LabFailedException($"the rack of {LiveRackSession.PathIn(sessionDirectory)} (pid {session.Pid}) does not answer on {session.ControlSocket}: {ex.Message}; if it ended without cleaning up, remove {sessionDirectory}");
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"), ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadLineAsync(ct).ConfigureAwait(false) ?? "error the rack closed the connection without an answer";
        return answer.StartsWith("ok", StringComparison.Ordinal)
            ? (true, answer.Length > 3 ? answer[3..] : "")
            : (false, answer.StartsWith("error ", StringComparison.Ordinal) ? answer[6..] : answer);
    }
}
