namespace Watchdog.Failover;

// What a node does when the board grants or revokes the active role. The property names bind
// from the agent's JSON file under "Failover" (Failover:Hooks:Promote:0:TimeoutMs, ...); the
// defaults below are the documented defaults (docs/failover.md) and FailoverOptions.Validate
// states the allowed ranges, naming each key the way the agent's other errors do.

/// <summary>The failover section: hooks and the built-in virtual IP action.</summary>
public sealed class FailoverOptions
{
    /// <summary>Promote and demote hooks.</summary>
    public HookSetOptions Hooks { get; set; } = new();

    /// <summary>The virtual IP the active node holds. Address empty = no virtual IP action.</summary>
    public VirtualIpOptions Vip { get; set; } = new();

    /// <summary>
    /// Every problem with this configuration, one line each: "key = value: what is wrong".
    /// Empty when the options are usable. Checks that hook executables exist and are executable
    /// (the only file-system access), because a missing hook found at promote time is a failed
    /// takeover, while found at start it is a refused start.
    /// </summary>
    /// <param name="root">The key path of this section in the agent's configuration.</param>
    public IReadOnlyList<string> Validate(string root = "Failover")
    {
        var problems = new List<string>();
        Hooks.Validate(root + ":Hooks", problems);
        Vip.Validate(root + ":Vip", problems);
        return problems;
    }
}

/// <summary>The hook lists and the limits that apply to every hook.</summary>
public sealed class HookSetOptions
{
    public const int MinKillGraceMs = 0;
    public const int MaxKillGraceMs = 60_000;
    public const int MinOutputLimitBytes = 256;
    public const int MaxOutputLimitBytes = 1_048_576;

    /// <summary>Run in this order when the node becomes active; the first failure stops the list and rolls back.</summary>
    public List<HookOptions> Promote { get; set; } = new();

    /// <summary>Run in this order when the node stops being active (after the VIP is removed); all run even if one fails.</summary>
    public List<HookOptions> Demote { get; set; } = new();

    /// <summary>After a hook's timeout it gets SIGTERM; this long after, SIGKILL for its whole process group. Default 2000, 0..60000.</summary>
    public int KillGraceMs { get; set; } = 2000;

    /// <summary>Bytes of stdout and of stderr kept per hook for the log; the rest is counted and dropped. Default 8192, 256..1048576.</summary>
    public int OutputLimitBytes { get; set; } = 8192;

    internal void Validate(string key, List<string> problems)
    {
        ValidateList(key + ":Promote", Promote, problems);
        ValidateList(key + ":Demote", Demote, problems);
        Range(problems, key + ":KillGraceMs", KillGraceMs, MinKillGraceMs, MaxKillGraceMs, "ms");
        Range(problems, key + ":OutputLimitBytes", OutputLimitBytes, MinOutputLimitBytes, MaxOutputLimitBytes, "bytes");
    }

    private static void ValidateList(string key, List<HookOptions>? hooks, List<string> problems)
    {
        if (hooks == null)
        {
            problems.Add(key + ": must be a list (empty is fine)");
            return;
        }

        for (int i = 0; i < hooks.Count; i++)
        {
            string itemKey = key + ":" + i;
            if (hooks[i] == null)
            {
                problems.Add(itemKey + ": empty hook entry");
                continue;
            }

            hooks[i].Validate(itemKey, problems);
        }
    }

    internal static void Range(List<string> problems, string key, int value, int min, int max, string unit)
    {
        if (value < min || value > max)
        {
            problems.Add($"{key} = {value}: must be {min}..{max} {unit}");
        }
    }
}

/// <summary>One hook: an executable run directly (no shell), with arguments and a timeout.</summary>
public sealed class HookOptions
{
    public const int MinTimeoutMs = 100;
    public const int MaxTimeoutMs = 600_000;

    /// <summary>A short name for logs and reports; defaults to the file name of Path.</summary>
    public string Name { get; set; } = "";

    /// <summary>Absolute path of the executable (a script needs its #! line and the x bit).</summary>
    public string Path { get; set; } = "";

    /// <summary>Arguments, passed as they are (no shell, no word splitting, no expansion).</summary>
    public List<string> Args { get; set; } = new();

    /// <summary>How long the hook may run before SIGTERM. Default 30000, 100..600000.</summary>
    public int TimeoutMs { get; set; } = 30_000;

    /// <summary>The name used in logs: Name, or the file name of Path.</summary>
    public string DisplayName => Name.Length > 0 ? Name : System.IO.Path.GetFileName(Path);

    internal void Validate(string key, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            problems.Add(key + ":Path = '': a hook needs the absolute path of an executable");
        }
        else if (!System.IO.Path.IsPathRooted(Path))
        {
            problems.Add($"{key}:Path = '{Path}': must be an absolute path (hooks do not depend on the agent's PATH or working directory)");
        }
        else if (!File.Exists(Path))
        {
            problems.Add($"{key}:Path = '{Path}': file does not exist");
        }
        else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(Path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            problems.Add($"{key}:Path = '{Path}': file is not executable (chmod +x, and give a script its #! line)");
        }

        if (Args == null)
        {
            problems.Add(key + ":Args: must be a list of strings (empty is fine)");
        }

        HookSetOptions.Range(problems, key + ":TimeoutMs", TimeoutMs, MinTimeoutMs, MaxTimeoutMs, "ms");
    }
}

/// <summary>The virtual IP: added on promote, removed on demote, announced with gratuitous ARP.</summary>
public sealed class VirtualIpOptions
{
    public const int MinCommandTimeoutMs = 100;
    public const int MaxCommandTimeoutMs = 60_000;
    public const int MaxArpCount = 20;
    public const int MinArpIntervalMs = 10;
    public const int MaxArpIntervalMs = 10_000;

    /// <summary>The IPv4 address, e.g. 192.0.2.10. Empty (the default) turns the virtual IP action off.</summary>
    public string Address { get; set; } = "";

    /// <summary>Prefix length given to `ip address add`. Default 32 (a host address, no extra subnet route), 1..32.</summary>
    public int PrefixLength { get; set; } = 32;

    /// <summary>The interface that carries the address, e.g. eth0 or bond0. Required when Address is set.</summary>
    public string Interface { get; set; } = "";

    /// <summary>Gratuitous ARP packets sent after the address is added: the first before promote reports done, the rest in the background. Default 3, 0..20 (0 = none).</summary>
    public int ArpCount { get; set; } = 3;

    /// <summary>Spacing of the repeated gratuitous ARPs. Default 1000, 10..10000 ms.</summary>
    public int ArpIntervalMs { get; set; } = 1000;

    /// <summary>unsolicited (arping -U, an ARP request; default) or answer (arping -A, an ARP reply) — some switches only learn from one of them.</summary>
    public string ArpMode { get; set; } = "unsolicited";

    /// <summary>
    /// How the address is added and removed: netlink (default: one rtnetlink request from the
    /// agent itself, no process started) or ip (runs IpCommand, for systems where a wrapper
    /// must do it).
    /// </summary>
    public string Method { get; set; } = "netlink";

    internal bool UsesNetlink => Method == "netlink";

    /// <summary>
    /// How the gratuitous ARPs are sent: packet (default: from the agent itself through a packet
    /// socket, no process started; needs CAP_NET_RAW) or arping (runs ArpingCommand, for systems
    /// that must send them through a wrapper).
    /// </summary>
    public string ArpMethod { get; set; } = "packet";

    internal bool UsesPacketArp => ArpMethod == "packet";

    /// <summary>The iproute2 command (Method ip; also lists addresses when a removal fails). Default "ip" (found on PATH).</summary>
    public string IpCommand { get; set; } = "ip";

    /// <summary>The arping command (iputils-arping; ArpMethod arping). Default "arping" (found on PATH).</summary>
    public string ArpingCommand { get; set; } = "arping";

    /// <summary>Timeout for each ip/arping run. Default 5000, 100..60000 ms.</summary>
    public int CommandTimeoutMs { get; set; } = 5000;

    /// <summary>
    /// Run ip and arping inside this network namespace (`ip netns exec NAME ...`). Empty (the
    /// default) = the agent's own namespace. For tests and for racks where the service lives in
    /// a namespace the agent does not.
    /// </summary>
    public string Netns { get; set; } = "";

    /// <summary>True when a virtual IP is configured.</summary>
    public bool Enabled => !string.IsNullOrEmpty(Address);

    internal void Validate(string key, List<string> problems)
    {
        if (!Enabled)
        {
            return;
        }

        if (!Ipv4.IsDottedQuad(Address))
        {
            problems.Add($"{key}:Address = '{Address}': is not an IPv4 address (four numbers 0..255 separated by dots)");
        }

        HookSetOptions.Range(problems, key + ":PrefixLength", PrefixLength, 1, 32, "bits");
        if (string.IsNullOrEmpty(Interface))
        {
            problems.Add(key + ":Interface = '': the interface that carries the virtual IP is required when Address is set");
        }
        else if (!IsInterfaceName(Interface))
        {
            problems.Add($"{key}:Interface = '{Interface}': is not a Linux interface name (1..15 characters, no '/', ':', or white space)");
        }

        HookSetOptions.Range(problems, key + ":ArpCount", ArpCount, 0, MaxArpCount, "packets");
        HookSetOptions.Range(problems, key + ":ArpIntervalMs", ArpIntervalMs, MinArpIntervalMs, MaxArpIntervalMs, "ms");
        if (ArpMode != "unsolicited" && ArpMode != "answer")
        {
            problems.Add($"{key}:ArpMode = '{ArpMode}': must be unsolicited (arping -U) or answer (arping -A)");
        }

        if (Method is not ("netlink" or "ip"))
        {
            problems.Add($"{key}:Method = '{Method}': must be netlink (the agent adds the address itself) or ip (runs IpCommand)");
        }

        if (string.IsNullOrWhiteSpace(IpCommand))
        {
            problems.Add(key + ":IpCommand = '': must name the ip command (iproute2)");
        }

        if (ArpMethod is not ("packet" or "arping"))
        {
            problems.Add($"{key}:ArpMethod = '{ArpMethod}': must be packet (the agent sends the ARP itself) or arping (runs ArpingCommand)");
        }

        if (string.IsNullOrWhiteSpace(ArpingCommand) && ArpCount > 0 && ArpMethod == "arping")
        {
            problems.Add(key + ":ArpingCommand = '': must name the arping command (iputils-arping), or set ArpCount to 0, or ArpMethod to packet");
        }

        HookSetOptions.Range(problems, key + ":CommandTimeoutMs", CommandTimeoutMs, MinCommandTimeoutMs, MaxCommandTimeoutMs, "ms");
        if (Netns.Length > 0 && !IsNamespaceName(Netns))
        {
            problems.Add($"{key}:Netns = '{Netns}': is not a network namespace name (letters, digits, '-', '_', '.')");
        }
    }

    private static bool IsInterfaceName(string name)
    {
        if (name.Length > 15 || name == "." || name == "..")
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNamespaceName(string name)
    {
        if (name.Length > 64 || name == "." || name == "..")
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_' && c != '.')
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Strict dotted-quad parsing: IPAddress.TryParse accepts "10.1" and "0x0a.0.0.1", which no operator means.</summary>
internal static class Ipv4
{
    public static bool IsDottedQuad(string text)
    {
        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (string part in parts)
        {
            if (part.Length == 0 || part.Length > 3 || (part.Length > 1 && part[0] == '0'))
            {
                return false;
            }

            int value = 0;
            foreach (char c in part)
            {
                if (c < '0' || c > '9')
                {
                    return false;
                }

                value = (value * 10) + (c - '0');
            }

            if (value > 255)
            {
                return false;
            }
        }

        return true;
    }
}
