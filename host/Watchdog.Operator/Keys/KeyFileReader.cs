using System.Security.Cryptography;
using Watchdog.Protocol.Signing;

namespace Watchdog.Operator.Keys;

/// <summary>
/// The cluster key as it is stored on boards, agents and operator machines: one line
/// "&lt;key-id&gt;:&lt;64 hex digits&gt;" (32 random bytes); lines starting with '#' are comments.
/// Several lines may be present during a key rotation; the first one signs.
/// </summary>
public sealed record ClusterKey(string KeyId, byte[] Key)
{
    public const int KeyBytes = Protocol.Signing.ClusterKeyFile.KeyBytes;

    public static ClusterKey Generate(string keyId) => new(keyId, RandomNumberGenerator.GetBytes(KeyBytes));

    public string ToLine() => Protocol.Signing.ClusterKeyFile.Line(KeyRole.Operator, "", KeyId, Key);

    public RoleKey AsRoleKey() => new(KeyRole.Operator, "", KeyId, Key);
}

public static class KeyFileReader
{
    /// <summary>Reads every key in the file; throws a <see cref="KeyFileException"/> naming the file, line and problem.</summary>
    public static IReadOnlyList<ClusterKey> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new KeyFileException($"{path}: no such key file (generate the cluster's keys with 'watchdogctl keys generate --dir <folder> --board <b> --node <n>...' and use its operator.keys)");
        }

        string loose = Watchdog.Platform.Posix.PrivateFiles.Problem(path, "key file");
        if (loose.Length > 0)
        {
            throw new KeyFileException(loose);
        }

        return Parse(File.ReadAllLines(path), path);
    }

    /// <summary>The operator keys in the lines (the ones that sign commands), first the one that signs.</summary>
    public static IReadOnlyList<ClusterKey> Parse(IReadOnlyList<string> lines, string source)
    {
        if (!Protocol.Signing.ClusterKeyFile.TryParse(string.Join('\n', lines), source, out var ids, out var keys, out var roles, out _, out var error))
        {
            throw new KeyFileException(error);
        }

        var operators = ids.Select((id, i) => (Key: new ClusterKey(id, keys[i]), Role: roles[i])).Where(k => k.Role == KeyRole.Operator).Select(k => k.Key).ToList();
        if (operators.Count == 0)
        {
            throw new KeyFileException($"{source}: holds no operator key; commands are signed with one (use the operator.keys that 'watchdogctl keys generate' writes)");
        }

        return operators;
    }

    /// <summary>
    /// The board keys of a key file, for checking what boards seal (the metrics exporter's
    /// exporter.keys, or any file that holds them); throws a <see cref="KeyFileException"/> naming the
    /// file when it is missing, others may read it, or it holds no board key.
    /// </summary>
    public static KeyRing ReadBoardKeys(string path)
    {
        if (!File.Exists(path))
        {
            throw new KeyFileException($"{path}: no such key file (use the exporter.keys that 'watchdogctl keys generate' writes)");
        }

        string loose = Watchdog.Platform.Posix.PrivateFiles.Problem(path, "key file");
        if (loose.Length > 0)
        {
            throw new KeyFileException(loose);
        }

        if (!Protocol.Signing.ClusterKeyFile.TryParse(File.ReadAllText(path), path, out var ids, out var keys, out var roles, out var owners, out var error))
        {
            throw new KeyFileException(error);
        }

        var ring = new KeyRing();
        for (int i = 0; i < ids.Length; i++)
        {
            if (roles[i] == KeyRole.Board)
            {
                ring.Add(ids[i], keys[i], KeyRole.Board, owners[i]);
            }
        }

        if (ring.Count == 0)
        {
            throw new KeyFileException($"{path}: holds no board key; the boards' metrics reports are sealed with theirs (use the exporter.keys that 'watchdogctl keys generate' writes)");
        }

        return ring;
    }

    public static KeyRing ToKeyRing(IEnumerable<ClusterKey> keys)
    {
        var ring = new KeyRing();
        foreach (var key in keys)
        {
            ring.Add(key.KeyId, key.Key);
        }

        return ring;
    }
}

public sealed class KeyFileException(string message) : Exception(message);
