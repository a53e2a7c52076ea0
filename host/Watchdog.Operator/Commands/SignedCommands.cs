using Watchdog.Protocol.Messages;
using Watchdog.Operator.Keys;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Wire;

namespace Watchdog.Operator.Commands;

/// <summary>A command as an operator sends it: one id, a lifetime, the epoch it is meant for, and the cluster key's signature.</summary>
public static class SignedCommands
{
    /// <summary>Builds and signs a command; for watchdogctl's control verbs, the lab and tests.</summary>
    public static SignedCommand Build(CommandAction action, string target, string? argument, long epoch, long nowMs, int ttlSeconds, ClusterKey key)
    {
        var command = new SignedCommand
        {
            Id = Guid.NewGuid().ToString("N")[..16],
            Target = target,
            Action = action,
            Argument = argument ?? "",
            Epoch = epoch,
            IssuedAt = nowMs,
            ExpiresAt = nowMs + (ttlSeconds * 1000L),
        };
        new CommandSigner(new PortableHmacSha256()).Sign(command, key.KeyId, key.Key);
        return command;
    }
}
