using System.CommandLine;
using Watchdog.Cli.Keys;

namespace Watchdog.Cli.Commands;

/// <summary>`watchdogctl keys generate`: a new cluster key and how to install it.</summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var keyId = new Option<string>("--key-id") { Description = "Name of the key (appears in every signed command)", DefaultValueFactory = _ => "k" + DateTime.UtcNow.ToString("yyyyMMdd") };
        var output = new Option<string?>("--out", "-o") { Description = "Write the key to this file (mode 0600) instead of printing it" };
        var generate = new Command("generate", "Generate a cluster key (32 random bytes)") { keyId, output };
        generate.SetAction(result =>
        {
            var key = ClusterKey.Generate(result.GetValue(keyId)!);
            var path = result.GetValue(output);
            if (path is null)
            {
                Console.WriteLine(key.ToLine());
            }
            else
            {
                if (File.Exists(path))
                {
                    Console.Error.WriteLine($"watchdogctl: {path} exists; refusing to overwrite a cluster key (remove it first, or add the new line to it for a rotation)");
                    return 1;
                }

                File.WriteAllText(path, "# Watchdog cluster key: keep secret, same file on every board, agent and operator machine\n" + key.ToLine() + "\n");
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                Console.WriteLine($"wrote {path}");
            }

            Console.Error.WriteLine($"""

                Install key '{key.KeyId}':
                  boards (Linux):  copy to /etc/watchdog/cluster.key (mode 0600) and start with --cluster-key-file /etc/watchdog/cluster.key
                  boards (ESP32):  put the line in the config you deploy to the board's internal flash (see firmware/Watchdog.Firmware.Esp32/README.md)
                  agents:          copy to /etc/watchdog/cluster.key (mode 0600); the agent's config names it
                  operators:       export WATCHDOG_KEY_FILE=/path/to/cluster.key for watchdogctl
                Rotation: add the new line to every key file (the first line signs, every line verifies), then remove the old one.
                """);
            return 0;
        });

        var keys = new Command("keys", "Manage the cluster key that signs commands");
        keys.Subcommands.Add(generate);
        return keys;
    }
}
