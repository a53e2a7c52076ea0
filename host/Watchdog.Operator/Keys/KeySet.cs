using System.Security.Cryptography;
using Watchdog.Platform.Posix;
using Watchdog.Protocol.Signing;

namespace Watchdog.Operator.Keys;

/// <summary>One key with its role (KeyRole) and owner (the board's or node's name; "" for an operator).</summary>
public sealed record RoleKey(KeyRole Role, string Owner, string KeyId, byte[] Key)
{
    public string ToLine() => ClusterKeyFile.Line(Role, Owner, KeyId, Key);
}

/// <summary>
/// The keys of one cluster and which holder gets which (the secret of a key is in every file that
/// verifies it, so each file holds only what its holder must check or sign):
/// a board's file: the operator keys, every board's key (its own seals, its pair peer's it checks), every node's key;
/// a node's file: the operator keys, every board key, its own node key;
/// the operator's file: the operator keys;
/// the exporter's file (`watchdogctl exporter`, which checks the boards' sealed metrics reports): every board key.
/// Within a role and owner the first key signs; during a rotation a newer key goes first.
/// </summary>
public sealed class KeySet
{
    private readonly List<RoleKey> _keys;

    public KeySet(IEnumerable<RoleKey> keys) => _keys = keys.ToList();

    public IReadOnlyList<RoleKey> Keys => _keys;

    public static RoleKey NewKey(KeyRole role, string owner, string suffix) =>
        new(role, owner, (role == KeyRole.Operator ? "op" : SealedChannel.RoleWord(role) + "-" + owner) + "-" + suffix, RandomNumberGenerator.GetBytes(ClusterKeyFile.KeyBytes));

    public static KeySet Generate(string suffix, IEnumerable<string> boards, IEnumerable<string> nodes, RoleKey? operatorKey = null) =>
        new(new[] { operatorKey ?? NewKey(KeyRole.Operator, "", suffix) }
            .Concat(boards.Select(b => NewKey(KeyRole.Board, b, suffix)))
            .Concat(nodes.Select(n => NewKey(KeyRole.Node, n, suffix))));

    public IEnumerable<string> Boards => _keys.Where(k => k.Role == KeyRole.Board).Select(k => k.Owner).Distinct();

    public IEnumerable<string> Nodes => _keys.Where(k => k.Role == KeyRole.Node).Select(k => k.Owner).Distinct();

    /// <summary>
    /// A board's file: the operator keys, every node's key, and every board's key of the set. A
    /// board of a pair that takes authority inherits the grants its peer sealed and must recognise
    /// them (or it demotes an active it cannot verify), and key rotation rewrites every file from
    /// the set alone, so every board holds them all. It adds no power a node lacks: every node's
    /// file holds every board's key already (docs/safety-rules.md, "Not kept yet": the seals are symmetric).
    /// </summary>
    public string BoardFile(string board) =>
        Text(k => k.Role is KeyRole.Operator or KeyRole.Node or KeyRole.Board, $"board '{board}'");

    public string NodeFile(string node) => Text(k => k.Role == KeyRole.Operator || k.Role == KeyRole.Board || (k.Role == KeyRole.Node && k.Owner == node), $"node '{node}'");

    public string OperatorFile() => Text(k => k.Role == KeyRole.Operator, "operators");

    /// <summary>
    /// The metrics exporter's file: every board's key, to check the boards' sealed metrics reports.
    /// It can therefore also seal what a board says (the seals are symmetric, as a node's file can):
    /// keep it as a node's file is kept.
    /// </summary>
    public string ExporterFile() => Text(k => k.Role == KeyRole.Board, "the metrics exporter");

    public static string BoardFileName(string board) => $"board-{board}.keys";

    public static string NodeFileName(string node) => $"node-{node}.keys";

    public const string OperatorFileName = "operator.keys";

    public const string ExporterFileName = "exporter.keys";

    /// <summary>Writes every holder's file into <paramref name="directory"/> (mode 0600; never over an existing file unless <paramref name="replace"/>). Returns the paths.</summary>
    public IReadOnlyList<string> WriteAll(string directory, bool replace = false)
    {
        Directory.CreateDirectory(directory);
        var files = new List<(string Name, string Text)> { (OperatorFileName, OperatorFile()), (ExporterFileName, ExporterFile()) };
        files.AddRange(Boards.Select(b => (BoardFileName(b), BoardFile(b))));
        files.AddRange(Nodes.Select(n => (NodeFileName(n), NodeFile(n))));
        var written = new List<string>();
        foreach (var (name, text) in files)
        {
            string path = Path.Combine(directory, name);
            if (replace && File.Exists(path))
            {
                File.Delete(path);
            }

            PrivateFiles.WriteNew(path, text);
            written.Add(path);
        }

        return written;
    }

    /// <summary>Reads a directory written by WriteAll back (every file's keys, each once).</summary>
    public static KeySet Read(string directory)
    {
        var keys = new List<RoleKey>();
        foreach (string path in Directory.GetFiles(directory, "*.keys").Order(StringComparer.Ordinal))
        {
            if (!ClusterKeyFile.TryParse(File.ReadAllText(path), path, out string[] ids, out byte[][] secrets, out KeyRole[] roles, out string[] owners, out string error))
            {
                throw new KeyFileException(error);
            }

            for (int i = 0; i < ids.Length; i++)
            {
                if (keys.All(k => k.KeyId != ids[i]))
                {
                    keys.Add(new RoleKey(roles[i], owners[i], ids[i], secrets[i]));
                }
            }
        }

        return new KeySet(keys);
    }

    /// <summary>A new key for every role and owner, placed first (it signs); the old ones still verify until retired.</summary>
    public KeySet Rotate(string suffix)
    {
        var fresh = _keys.Select(k => (k.Role, k.Owner)).Distinct().Select(r => NewKey(r.Role, r.Owner, suffix)).ToList();
        if (fresh.Any(f => _keys.Any(k => k.KeyId == f.KeyId)))
        {
            throw new KeyFileException($"keys with suffix '{suffix}' exist already; choose another --suffix");
        }

        return new KeySet(fresh.Concat(_keys));
    }

    /// <summary>Without the keys whose id ends in -<paramref name="suffix"/>; refuses to leave a role and owner with no key.</summary>
    public KeySet Retire(string suffix)
    {
        var left = _keys.Where(k => !k.KeyId.EndsWith("-" + suffix, StringComparison.Ordinal)).ToList();
        foreach (var (role, owner) in _keys.Select(k => (k.Role, k.Owner)).Distinct())
        {
            if (!left.Any(k => k.Role == role && k.Owner == owner))
            {
                throw new KeyFileException($"retiring '-{suffix}' would leave {SealedChannel.RoleWord(role)} {owner} without a key; rotate first");
            }
        }

        return new KeySet(left);
    }

    private string Text(Func<RoleKey, bool> holds, string holder) =>
        $"# Watchdog keys for {holder}: keep secret (mode 0600). The first key of each role and owner signs; every key verifies.\n" +
        string.Join("", _keys.Where(holds).Select(k => k.ToLine() + "\n"));
}
