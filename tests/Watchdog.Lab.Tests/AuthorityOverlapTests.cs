namespace Watchdog.Lab.Tests;

/// <summary>
/// The two-authority check over synthetic board statuses (no rack): a clean handover over a dead
/// board is not two authorities, a stale retained status of a killed board does not count, and
/// a live board still saying authority while its peer took it over does.
/// </summary>
public class AuthorityOverlapTests
{
    private const long T0 = 1_800_000_000_000;

    private readonly List<BoardStatusSeen> _seen = [];

    [Fact]
    public void A_killed_authority_whose_peer_takes_over_is_not_two_authorities()
    {
        Status(0, "rack1", PairState.Authority);
        Status(0, "rack1-b", PairState.Passive);
        Status(1000, "rack1", PairState.Authority); // its last word, retained after the kill at 1200
        Status(1500, "rack1-b", PairState.Authority);

        var spans = AuthorityOverlap.Spans(_seen, (board, at) => board == "rack1" && at < T0 + 1200 ? T0 + 1200 : null, T0, T0 + 5000);

        Assert.Empty(spans);
    }

    [Fact]
    public void A_live_authority_still_claiming_while_its_peer_took_over_is_two_authorities_until_it_steps_down()
    {
        Status(0, "rack1", PairState.Authority);
        Status(0, "rack1-b", PairState.Passive);
        Status(1500, "rack1-b", PairState.Authority);
        Status(1800, "rack1", PairState.Passive);

        var span = Assert.Single(AuthorityOverlap.Spans(_seen, (_, _) => null, T0, T0 + 5000));

        Assert.Equal(T0 + 1500, span.StartWallMs);
        Assert.Equal(300, span.Ms);
        Assert.Equal(["rack1", "rack1-b"], span.Boards);
    }

    [Fact]
    public void Only_the_window_asked_for_is_counted()
    {
        Status(0, "rack1", PairState.Authority);
        Status(100, "rack1-b", PairState.Authority);

        var spans = AuthorityOverlap.Spans(_seen, (_, _) => null, T0 + 1000, T0 + 1250);

        Assert.Equal(250, AuthorityOverlap.TotalMs(spans));
    }

    private void Status(long at, string board, PairState pair) =>
        _seen.Add(new BoardStatusSeen(T0 + at + 2, board, new BoardStatus { Board = board, Pair = pair, Timestamp = T0 + at }));
}
