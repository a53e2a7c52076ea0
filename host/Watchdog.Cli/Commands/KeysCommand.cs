using System.CommandLine;
using Watchdog.Operator.Keys;

namespace Watchdog.Cli.Commands;

/// <summary>
/// `watchdogctl keys generate | rotate | retire`: the cluster's keys by role (operator, one per
/// board, one per node), a file per holder with only what it must hold (KeySet), and rotation
/// with old and new keys valid at once.
/// </summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var keys = new Command("keys", "Manage the keys that sign commands and seal grants and node states");
        keys.Subcommands.Add(Generate());
        keys.Subcommands.Add(Rotate());
        keys.Subcommands.Add(Retire());
        return keys;
    }

    private static Option<string> DirOption() => new("--dir", "-d") { Description = "Folder of the key files (one per holder, mode 0600)", Required = true };

    private static string DefaultSuffix() => DateTime.UtcNow.ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture);

    private static Command Generate()
    {
        var dir = DirOption();
        var boards = new Option<string[]>("--board") { Description = "A board's name (repeat for each board)", Required = true, AllowMultipleArgumentsPerToken = true };
        var nodes = new Option<string[]>("--node") { Description = "A node's name (repeat for each node)", Required = true, AllowMultipleArgumentsPerToken = true };
        var suffix = new Option<string>("--suffix") { Description = "Ends every key id (default: the time now, so rotated keys are told apart)", DefaultValueFactory = _ => DefaultSuffix() };
        var generate = new Command("generate", "Generate an operator key, a key per board and a key per node, and write each holder's file") { dir, boards, nodes, suffix };
        generate.SetAction(result =>
        {
            string folder = result.GetValue(dir)!;
            var set = KeySet.Generate(result.GetValue(suffix)!, result.GetValue(boards)!, result.GetValue(nodes)!);
            if (Directory.Exists(folder) && Directory.GetFiles(folder, "*.keys").Length > 0)
            {
                Console.Error.WriteLine($"watchdogctl: {folder} holds key files already; refusing to overwrite them ('watchdogctl keys rotate' adds new keys beside the old ones)");
                return 1;
            }

            foreach (string path in set.WriteAll(folder))
            {
                Console.WriteLine($"wrote {path}");
            }

            Console.Error.WriteLine(Install(folder));
            return 0;
        });
        return generate;
    }

    private static Command Rotate()
    {
        var dir = DirOption();
        var suffix = new Option<string>("--suffix") { Description = "Ends the new key ids (default: the time now)", DefaultValueFactory = _ => DefaultSuffix() };
        var rotate = new Command("rotate", "Add a new key for every role in front of the old ones (new keys sign, old and new verify)") { dir, suffix };
        rotate.SetAction(result =>
        {
            string folder = result.GetValue(dir)!;
            var set = KeySet.Read(folder).Rotate(result.GetValue(suffix)!);
            set.WriteAll(folder, replace: true);
            Console.WriteLine($"rotated: new keys -{result.GetValue(suffix)} lead every file in {folder}");
            Console.Error.WriteLine("Copy each file to its holder and restart it (boards and agents read keys at start); once every holder runs with the new files, 'watchdogctl keys retire --suffix <old>' drops the old keys.\n" + Install(folder));
            return 0;
        });
        return rotate;
    }

    private static Command Retire()
    {
        var dir = DirOption();
        var suffix = new Option<string>("--suffix") { Description = "The suffix of the key ids to drop", Required = true };
        var retire = new Command("retire", "Drop the keys whose ids end in -<suffix> from every file") { dir, suffix };
        retire.SetAction(result =>
        {
            string folder = result.GetValue(dir)!;
            var set = KeySet.Read(folder).Retire(result.GetValue(suffix)!);
            set.WriteAll(folder, replace: true);
            Console.WriteLine($"retired keys -{result.GetValue(suffix)} from {folder}; copy the files to their holders again");
            return 0;
        });
        return retire;
    }

    private static string Install(string folder) => $"""

        Install (each file mode 0600; a holder refuses a key file others can read):
          boards (Linux):  {folder}/board-<name>.keys -> /etc/watchdog-board/board.keys, start with --cluster-key-file /etc/watchdog-board/board.keys
          boards (ESP32):  the lines of board-<name>.keys go into DeviceSettings.KeyLines (firmware/Watchdog.Firmware.Esp32/README.md)
          agents:          {folder}/node-<name>.keys -> /etc/watchdog/node.keys, named by Commands:KeyFile in the agent's config
          operators:       {folder}/{KeySet.OperatorFileName}; export WATCHDOG_KEY_FILE=/path/to/{KeySet.OperatorFileName} for watchdogctl
          exporter:        {folder}/{KeySet.ExporterFileName} for 'watchdogctl exporter --keys' (every board key: keep it as a node's file)
        """;
}
