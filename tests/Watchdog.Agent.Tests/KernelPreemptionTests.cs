using Watchdog.Platform.Posix;

namespace Watchdog.Agent.Tests;

/// <summary>
/// The kernel's preemption model, read the way a server exposes it: the scheduler's debugfs file
/// (the model in force), a dynamic kernel's preempt= boot parameter, then the build configuration.
/// </summary>
public sealed class KernelPreemptionTests
{
    private const string DynamicNoneConfig = "#\n# Kernel config\nCONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT_NONE=y\n# CONFIG_PREEMPT_VOLUNTARY is not set\n# CONFIG_PREEMPT is not set\nCONFIG_PREEMPT_DYNAMIC=y\n";

    [Fact]
    public void The_model_in_force_is_the_one_in_parentheses_of_the_schedulers_debugfs_file()
    {
        var files = new Dictionary<string, string> { ["/sys/kernel/debug/sched/preempt"] = "none voluntary (full) lazy\n" };
        KernelPreemption k = KernelPreemption.Read(p => files.GetValueOrDefault(p), () => DynamicNoneConfig);
        Assert.Equal(PreemptionModel.Full, k.Model);
        Assert.Contains("debug/sched/preempt", k.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dynamic_kernel_takes_its_boot_parameter_over_its_built_default()
    {
        var files = new Dictionary<string, string> { ["/proc/cmdline"] = "console=ttyS0 quiet preempt=voluntary panic=1\n" };
        KernelPreemption k = KernelPreemption.Read(p => files.GetValueOrDefault(p), () => DynamicNoneConfig);
        Assert.Equal((PreemptionModel.Voluntary, "voluntary"), (k.Model, k.Word));
        Assert.Contains("preempt=voluntary", k.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_boot_parameter_the_built_default_counts()
    {
        var files = new Dictionary<string, string> { ["/proc/cmdline"] = "console=ttyS0 quiet\n" };
        KernelPreemption k = KernelPreemption.Read(p => files.GetValueOrDefault(p), () => DynamicNoneConfig);
        Assert.Equal(PreemptionModel.None, k.Model);
        Assert.Contains("build configuration", k.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CONFIG_PREEMPT_RT=y\nCONFIG_PREEMPT_BUILD=y\n", PreemptionModel.RealTime)]
    [InlineData("CONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT=y\n", PreemptionModel.Full)]
    [InlineData("CONFIG_PREEMPT_VOLUNTARY=y\n", PreemptionModel.Voluntary)]
    [InlineData("# CONFIG_PREEMPT_NONE is not set\nCONFIG_PREEMPT_NONE_BUILD=y\n", PreemptionModel.Unknown)]
    public void A_fixed_kernel_is_its_build_configuration(string config, PreemptionModel expected)
    {
        // A boot parameter means nothing to a kernel built without PREEMPT_DYNAMIC.
        var files = new Dictionary<string, string> { ["/proc/cmdline"] = "preempt=none" };
        Assert.Equal(expected, KernelPreemption.Read(p => files.GetValueOrDefault(p), () => "\n" + config).Model);
    }

    [Fact]
    public void Nothing_readable_is_unknown_and_says_what_could_not_be_read()
    {
        KernelPreemption k = KernelPreemption.Read(_ => null, () => null);
        Assert.Equal(PreemptionModel.Unknown, k.Model);
        Assert.Contains("could not read", k.Source, StringComparison.Ordinal);
    }
}
