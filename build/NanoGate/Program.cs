using Watchdog.Build.NanoGate;

// Usage: NanoGate <assembly.dll>...  Exit 1 (and MSBuild-style errors) when an assembly uses
// what the nanoFramework 1.17 runtime cannot load.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: NanoGate <assembly.dll>...");
    return 2;
}

var failed = false;
foreach (var path in args)
{
    if (!File.Exists(path))
    {
        Console.Error.WriteLine($"{path}: error NANO000: assembly not found");
        failed = true;
        continue;
    }

    foreach (var problem in NanoAssemblyChecker.Check(path))
    {
        Console.Error.WriteLine($"{path}: error NANO001: not in the nanoFramework subset: {problem}");
        failed = true;
    }
}

return failed ? 1 : 0;
