namespace Watchdog.Cli.Tests.Keys;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeySetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("keyset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static KeyRing Ring(string path)
    {
        var ring = new KeyRing();
        Assert.True(ClusterKeyFile.TryParse(File.ReadAllText(path), path, ring, out string error), error);
        return ring;
    }

    [Fact]
    public void Each_holder_gets_only_what_it_must_sign_or_check_in_a_file_only_it_can_read()
    {
        var paths = KeySet.Generate("s1", ["rack1"], ["web1", "web2"]).WriteAll(_dir);

        Assert.Equal(5, paths.Count);
        Assert.All(paths, p => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(p)));
        var board = Ring(Path.Combine(_dir, KeySet.BoardFileName("rack1")));
        var web1 = Ring(Path.Combine(_dir, KeySet.NodeFileName("web1")));
        var ops = Ring(Path.Combine(_dir, KeySet.OperatorFileName));

        Assert.Equal("board-rack1-s1", board.FirstOf(KeyRole.Board, "rack1"));
        Assert.NotNull(board.Find("node-web2-s1"));
        Assert.Equal("node-web1-s1", web1.FirstOf(KeyRole.Node, "web1"));
        Assert.Null(web1.Find("node-web2-s1"));                // a node never holds another node's key
        Assert.NotNull(web1.Find("board-rack1-s1"));
        Assert.Equal(1, ops.Count);                              // operators hold the operator key only
        Assert.Equal("op-s1", ops.FirstOf(KeyRole.Operator, ""));
        var exporter = Ring(Path.Combine(_dir, KeySet.ExporterFileName));
        Assert.Equal(1, exporter.Count);                         // the exporter checks board seals only
        Assert.Equal("board-rack1-s1", exporter.FirstOf(KeyRole.Board, "rack1"));
    }

    [Fact]
    public void Each_board_of_a_pair_holds_the_other_boards_key_and_keeps_it_through_a_rotation()
    {
        KeySet.Generate("old", ["rack1", "rack1-b"], ["web1"]).WriteAll(_dir);
        var b = Ring(Path.Combine(_dir, KeySet.BoardFileName("rack1-b")));
        Assert.Equal("board-rack1-b-old", b.FirstOf(KeyRole.Board, "rack1-b"));
        Assert.Equal("board-rack1-old", b.FirstOf(KeyRole.Board, "rack1")); // checks the grants rack1 sealed once it takes over

        KeySet.Read(_dir).Rotate("new").WriteAll(_dir, replace: true);
        var rotated = Ring(Path.Combine(_dir, KeySet.BoardFileName("rack1-b")));
        Assert.Equal("board-rack1-new", rotated.FirstOf(KeyRole.Board, "rack1"));
        Assert.NotNull(rotated.Find("board-rack1-old"));
    }

    [Fact]
    public void A_rotation_puts_new_keys_first_keeps_the_old_ones_and_retiring_drops_them()
    {
        KeySet.Generate("old", ["rack1"], ["web1"]).WriteAll(_dir);

        KeySet.Read(_dir).Rotate("new").WriteAll(_dir, replace: true);
        var web1 = Ring(Path.Combine(_dir, KeySet.NodeFileName("web1")));
        Assert.Equal("node-web1-new", web1.FirstOf(KeyRole.Node, "web1"));
        Assert.NotNull(web1.Find("node-web1-old"));
        Assert.NotNull(web1.Find("board-rack1-old"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, KeySet.NodeFileName("web1"))));

        KeySet.Read(_dir).Retire("old").WriteAll(_dir, replace: true);
        web1 = Ring(Path.Combine(_dir, KeySet.NodeFileName("web1")));
        Assert.Null(web1.Find("node-web1-old"));
        Assert.Equal("board-rack1-new", web1.FirstOf(KeyRole.Board, "rack1"));
    }

    [Fact]
    public void Retiring_the_only_keys_of_a_role_is_refused()
    {
        KeySet.Generate("only", ["rack1"], ["web1"]).WriteAll(_dir);

        var ex = Assert.Throws<KeyFileException>(() => KeySet.Read(_dir).Retire("only"));
        Assert.Contains("without a key; rotate first", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_operator_key_file_others_can_read_is_refused_with_what_to_do()
    {
        string path = Path.Combine(_dir, "ops.keys");
        File.WriteAllText(path, KeySet.NewKey(KeyRole.Operator, "", "x").ToLine() + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var ex = Assert.Throws<KeyFileException>(() => KeyFileReader.Read(path));
        Assert.Contains("can be read or written by others (mode 0604)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Commands_are_signed_with_an_operator_key_never_a_board_or_node_key()
    {
        string path = Path.Combine(_dir, "board.keys");
        KeySet.Generate("s", ["rack1"], ["web1"]).WriteAll(_dir);
        File.Copy(Path.Combine(_dir, KeySet.NodeFileName("web1")), path);

        var keys = KeyFileReader.Read(path);
        Assert.Equal(["op-s"], keys.Select(k => k.KeyId));

        File.WriteAllText(Path.Combine(_dir, "nodeonly.keys"), KeySet.NewKey(KeyRole.Node, "web1", "z").ToLine() + "\n");
        File.SetUnixFileMode(Path.Combine(_dir, "nodeonly.keys"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var ex = Assert.Throws<KeyFileException>(() => KeyFileReader.Read(Path.Combine(_dir, "nodeonly.keys")));
        Assert.Contains("holds no operator key", ex.Message, StringComparison.Ordinal);
    }
}
