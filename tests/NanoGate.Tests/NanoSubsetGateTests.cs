namespace Watchdog.Build.NanoGate.Tests;

/// <summary>
/// The gate must let the subset through and stop everything else: APIs the device mscorlib
/// lacks fail the compile, generics and tuples (which csc compiles) fail the metadata check.
/// </summary>
public class NanoSubsetGateTests
{
    [Fact]
    public void Subset_code_compiles_and_passes_the_metadata_check()
    {
        var result = NanoCompiler.Compile("""
            namespace Probe {
              public sealed class Ring {
                private readonly long[] _slots = new long[8];
                private readonly System.Collections.ArrayList _names = new System.Collections.ArrayList();
                public event System.EventHandler Changed;
                public string Describe(int i) { lock (_names) { return string.Format("{0}:{1}", i, _slots[i & 7]); } }
                public void Raise() { var h = Changed; if (h != null) h(this, System.EventArgs.Empty); }
              }
            }
            """);
        Assert.Empty(result.Errors);
        Assert.Empty(result.GateProblems);
    }

    [Theory]
    [InlineData("System.Collections.Generic.List<int> Items;", "Generic")]
    [InlineData("System.Text.StringBuilder Text;", "Text")]
    [InlineData("System.Threading.Tasks.Task Work;", "Tasks")]
    [InlineData("System.IO.Stream Bytes;", "IO")]
    [InlineData("System.Collections.Hashtable Table;", "Hashtable")]
    [InlineData("int M(int[] a) { return System.Linq.Enumerable.Count(a); }", "Linq")]
    [InlineData("double M(double x) { return System.Math.Sqrt(x); }", "Math")]
    public void Apis_the_device_lacks_fail_the_compile(string member, string missingName)
    {
        var result = NanoCompiler.Compile($"namespace Probe {{ public class C {{ public {member} }} }}");
        Assert.Contains(result.Errors, e => e.Contains(missingName, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("public class Box<T> { public T Value; }", "generic type definition")]
    [InlineData("public class C { public static T Pick<T>(T a) { return a; } }", "generic method definition")]
    [InlineData("public class Box<T> { public T V; } public class U { public Box<int> B; }", "generic instantiation")]
    [InlineData("public class C { public int[,] Grid = new int[2, 2]; }", "multi-dimensional array")]
    public void Generics_and_multidimensional_arrays_compile_but_fail_the_metadata_check(string source, string problem)
    {
        var result = NanoCompiler.Compile($"namespace Probe {{ {source} }}");
        Assert.Empty(result.Errors);
        Assert.Contains(result.GateProblems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void Tuples_are_refused()
    {
        var result = NanoCompiler.Compile("namespace Probe { public class C { public (int, int) Pair() { return (1, 2); } } }");
        Assert.True(
            result.Errors.Any(e => e.Contains("ValueTuple", StringComparison.Ordinal)) ||
            result.GateProblems.Any(p => p.Contains("ValueTuple", StringComparison.Ordinal)),
            "a tuple must fail either the compile or the metadata check");
    }

    [Theory]
    [InlineData("shared/Watchdog.Protocol.Nano", "Watchdog.Protocol.dll")]
    [InlineData("firmware/Watchdog.Firmware.Core.Nano", "Watchdog.Firmware.Core.dll")]
    public void The_shipped_subset_assemblies_pass_the_metadata_check(string project, string assembly)
    {
        var path = Path.Combine(NanoCompiler.RepoRoot, project, "bin", NanoCompiler.Metadata("Configuration"), "netstandard2.0", assembly);
        Assert.True(File.Exists(path), $"{path} was not built");
        Assert.Empty(NanoAssemblyChecker.Check(path));
    }
}
