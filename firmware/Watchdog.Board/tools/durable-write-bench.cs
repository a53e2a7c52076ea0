#!/usr/bin/env -S dotnet run
#:project ../Watchdog.Board.csproj
// What making a grant's records durable costs the board, the way it does it (EpochFile and
// LadderFile: one fdatasync of a slot written in place each) against the way it did before the
// slots (each record a temp file, fsync, rename and fsync of the directory). A grant after a fence
// waits for both records in the tick that creates it.
//   dotnet run firmware/Watchdog.Board/tools/durable-write-bench.cs -- [--runs 200] [--dir DIR]
// DIR: put it on the disk the board's state directory is on (default: a new directory under the
// temp directory, $TMPDIR or /tmp).
// Prints min / p50 / p90 / p99 / max ms of one tick's two writes, the two ways interleaved so that
// both meet the same disk.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Watchdog.Board.Persistence;
using Watchdog.Platform.Posix;
using Watchdog.Firmware.Glue;

int runs = 200;
string? dir = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs" when i + 1 < args.Length:
            runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--dir" when i + 1 < args.Length:
            dir = args[++i];
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: [--runs N] [--dir DIR]");
            return 2;
    }
}

bool own = dir is null;
dir ??= Directory.CreateTempSubdirectory("watchdog-durable-bench-").FullName;
string replaced = Path.Combine(dir, "replaced");
string slotted = Path.Combine(dir, "slotted");
Directory.CreateDirectory(replaced);
Directory.CreateDirectory(slotted);

using var epoch = new EpochFile(slotted);
using var ladder = new LadderFile(slotted);
var before = new List<double>(runs);
var now = new List<double>(runs);
for (int run = 1; run <= runs; run++)
{
    string entries = $"{1767225600000 + run}:web1";
    var watch = Stopwatch.StartNew();
    Replace(Path.Combine(replaced, "epoch"), EpochRecord.Format(run, "web1 web2"));
    Replace(Path.Combine(replaced, "ladder"), LadderRecord.Format(entries));
    before.Add(watch.Elapsed.TotalMilliseconds);

    watch.Restart();
    epoch.Save(run, "web1 web2");
    ladder.Save(entries);
    now.Add(watch.Elapsed.TotalMilliseconds);
}

Console.WriteLine($"durable writes of one grant's tick (epoch + ladder), {runs} runs in {dir}");
Console.WriteLine("                                    min     p50     p90     p99     max  ms");
Console.WriteLine(Row("before: temp, fsync, rename, fsync dir", before));
Console.WriteLine(Row("now: one slot in place, fdatasync", now));
if (own)
{
    Directory.Delete(dir, recursive: true);
}

return 0;

static void Replace(string path, string record)
{
    DurableFiles.WriteSynced(path + ".tmp", Encoding.UTF8.GetBytes(record));
    DurableFiles.CommitRename(path + ".tmp", path);
}

static string Row(string label, List<double> ms)
{
    ms.Sort();
    double At(double q) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
    return string.Create(CultureInfo.InvariantCulture,
        $"{label,-38}{ms[0],6:F2}  {At(0.5),6:F2}  {At(0.9),6:F2}  {At(0.99),6:F2}  {ms[^1],6:F2}");
}
