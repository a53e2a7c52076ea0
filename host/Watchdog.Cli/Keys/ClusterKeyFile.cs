using System.Security.Cryptography;
using Watchdog.Protocol.Signing;

namespace Watchdog.Cli.Keys;

/// <summary>
/// The cluster key as it is stored on boards, agents and operator machines: one line
/// "&lt;key-id&gt;:&lt;64 hex digits&gt;" (32 random bytes); lines starting with '#' are comments.
/// Several lines may be present during a key rotation; the first one signs.
/// </summary>
public sealed record ClusterKey(string KeyId, byte[] Key)
{
    public const int KeyBytes = 32;

    public static ClusterKey Generate(string keyId) => new(keyId, RandomNumberGenerator.GetBytes(KeyBytes));

    public string ToLine() => $"{KeyId}:{Convert.ToHexStringLower(Key)}";
}

public static class ClusterKeyFile
{
    /// <summary>Reads every key in the file; throws a <see cref="KeyFileException"/> naming the file, line and problem.</summary>
    public static IReadOnlyList<ClusterKey> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new KeyFileException($"{path}: no such key file (generate one with 'watchdogctl keys generate --out {path}')");
        }

        var keys = Parse(File.ReadAllLines(path), path);
        if (keys.Count == 0)
        {
            throw new KeyFileException($"{path}: holds no key (expected a line '<key-id>:<64 hex digits>')");
        }

        return keys;
    }

    public static IReadOnlyList<ClusterKey> Parse(IReadOnlyList<string> lines, string source)
    {
        var keys = new List<ClusterKey>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new KeyFileException($"{source}:{i + 1}: expected '<key-id>:<64 hex digits>'");
            }

            var keyId = line[..colon];
            var hex = line[(colon + 1)..];
            if (!Hex.TryDecode(hex, out var key) || key is null || key.Length != ClusterKey.KeyBytes)
            {
                throw new KeyFileException($"{source}:{i + 1}: key '{keyId}' must be {ClusterKey.KeyBytes * 2} hex digits");
            }

            keys.Add(new ClusterKey(keyId, key));
        }

        return keys;
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
