using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Watchdog.Build.NanoGate;

namespace Watchdog.Build.NanoGate.Tests;

/// <summary>Compiles a snippet the way the gate projects do: nanoFramework's mscorlib and nothing else.</summary>
internal static class NanoCompiler
{
    public static string Metadata(string key) =>
        typeof(NanoCompiler).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string MscorlibPath => Metadata("NanoMscorlib");

    public static string RepoRoot => Path.GetFullPath(Metadata("RepoRoot"));

    public sealed record Result(IReadOnlyList<string> Errors, IReadOnlyList<string> GateProblems);

    public static Result Compile(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(source)],
            [MetadataReference.CreateFromFile(MscorlibPath)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var emit = compilation.Emit(image);
        var errors = emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        if (!emit.Success)
        {
            return new Result(errors, []);
        }

        image.Position = 0;
        using var pe = new PEReader(image);
        return new Result(errors, NanoAssemblyChecker.Check(pe.GetMetadataReader()));
    }
}
