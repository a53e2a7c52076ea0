using System.IO.Compression;

namespace Watchdog.Platform.Posix;

/// <summary>How far the running Linux kernel lets a waking real-time thread interrupt kernel code.</summary>
public enum PreemptionModel
{
    /// <summary>Nothing below said.</summary>
    Unknown,

    /// <summary>
    /// Kernel code runs until it returns to user space or sleeps: a real-time thread woken on that
    /// CPU waits for another task's system call (a large write, an fsync's page-cache work).
    /// </summary>
    None,

    /// <summary>As <see cref="None"/>, with explicit preemption points in long kernel loops.</summary>
    Voluntary,

    /// <summary>Kernel code is preempted at once, outside its short critical sections.</summary>
    Full,

    /// <summary>Full preemption for real-time threads, deferred to the tick for normal ones.</summary>
    Lazy,

    /// <summary>PREEMPT_RT: most of the kernel preemptible, interrupts in threads.</summary>
    RealTime,
}

/// <summary>The kernel's preemption model and where it was read.</summary>
public readonly record struct KernelPreemption(PreemptionModel Model, string Source)
{
    /// <summary>Reads the running kernel's model (Linux; <see cref="PreemptionModel.Unknown"/> elsewhere).</summary>
    public static KernelPreemption OfRunningKernel() => OperatingSystem.IsLinux()
        ? Read(ReadTextOrNull, ReadKernelConfigOrNull)
        : new KernelPreemption(PreemptionModel.Unknown, "not Linux");

    public string Word => Model switch
    {
        PreemptionModel.None => "none",
        PreemptionModel.Voluntary => "voluntary",
        PreemptionModel.Full => "full",
        PreemptionModel.Lazy => "lazy",
        PreemptionModel.RealTime => "rt",
        _ => "unknown",
    };

    private const string DebugFsFile = "/sys/kernel/debug/sched/preempt";

    /// <summary>
    /// The model from, in order: the scheduler's debugfs file (the model in force, also after a
    /// runtime switch), the <c>preempt=</c> boot parameter of a kernel built with
    /// PREEMPT_DYNAMIC, and the kernel's build configuration (its default). <paramref name="readText"/>
    /// reads a file or returns null; <paramref name="readConfig"/> returns the kernel's config text or null.
    /// </summary>
    public static KernelPreemption Read(Func<string, string?> readText, Func<string?> readConfig)
    {
        string? debugFs = readText(DebugFsFile);
        if (debugFs is not null)
        {
            // "none voluntary (full) lazy": the model in force is in parentheses.
            int open = debugFs.IndexOf('(', StringComparison.Ordinal);
            int close = debugFs.IndexOf(')', StringComparison.Ordinal);
            if (open >= 0 && close > open)
            {
                return new KernelPreemption(FromWord(debugFs[(open + 1)..close]), DebugFsFile);
            }
        }

        string? config = readConfig();
        if (config is null)
        {
            return new KernelPreemption(PreemptionModel.Unknown, "could not read " + DebugFsFile + " or the kernel's config (/proc/config.gz, /boot/config-<release>)");
        }

        if (HasOption(config, "CONFIG_PREEMPT_DYNAMIC"))
        {
            string? cmdline = readText("/proc/cmdline");
            foreach (string arg in (cmdline ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (arg.StartsWith("preempt=", StringComparison.Ordinal))
                {
                    return new KernelPreemption(FromWord(arg["preempt=".Length..]), "the boot parameter " + arg);
                }
            }
        }

        PreemptionModel built =
            HasOption(config, "CONFIG_PREEMPT_RT") ? PreemptionModel.RealTime
            : HasOption(config, "CONFIG_PREEMPT") ? PreemptionModel.Full
            : HasOption(config, "CONFIG_PREEMPT_LAZY") ? PreemptionModel.Lazy
            : HasOption(config, "CONFIG_PREEMPT_VOLUNTARY") ? PreemptionModel.Voluntary
            : HasOption(config, "CONFIG_PREEMPT_NONE") ? PreemptionModel.None
            : PreemptionModel.Unknown;
        return new KernelPreemption(built, "the kernel's build configuration (no preempt= boot parameter)");
    }

    private static PreemptionModel FromWord(string word) => word.Trim() switch
    {
        "none" => PreemptionModel.None,
        "voluntary" => PreemptionModel.Voluntary,
        "full" => PreemptionModel.Full,
        "lazy" => PreemptionModel.Lazy,
        _ => PreemptionModel.Unknown,
    };

    private static bool HasOption(string config, string option) =>
        config.Contains('\n' + option + "=y", StringComparison.Ordinal) || config.StartsWith(option + "=y", StringComparison.Ordinal);

    private static string? ReadTextOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // /proc/config.gz when the kernel exposes its config, else the distribution's /boot copy.
    private static string? ReadKernelConfigOrNull()
    {
        try
        {
            if (File.Exists("/proc/config.gz"))
            {
                using var gz = new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress);
                using var reader = new StreamReader(gz);
                return reader.ReadToEnd();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // fall through to /boot
        }

        string? release = ReadTextOrNull("/proc/sys/kernel/osrelease")?.Trim();
        return release is null ? null : ReadTextOrNull("/boot/config-" + release);
    }
}
