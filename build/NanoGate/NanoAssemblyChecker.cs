using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Watchdog.Build.NanoGate;

/// <summary>
/// Finds what the nanoFramework 1.17 runtime cannot load although csc lets it through:
/// generic type and method definitions, generic instantiations (in type specs, method specs
/// and any signature), multi-dimensional arrays and ValueTuple.
/// </summary>
public static class NanoAssemblyChecker
{
    public static IReadOnlyList<string> Check(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        return Check(pe.GetMetadataReader());
    }

    public static IReadOnlyList<string> Check(MetadataReader md)
    {
        var problems = new List<string>();
        var provider = new FlaggingTypeProvider(md);

        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            var typeName = FullName(md, type);
            if (type.GetGenericParameters().Count > 0)
            {
                problems.Add($"generic type definition {typeName}");
            }

            foreach (var fieldHandle in type.GetFields())
            {
                var field = md.GetFieldDefinition(fieldHandle);
                var where = $"field {typeName}.{md.GetString(field.Name)}";
                provider.Where = where;
                field.DecodeSignature(provider, null);
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                var where = $"method {typeName}.{md.GetString(method.Name)}";
                if (method.GetGenericParameters().Count > 0)
                {
                    problems.Add($"generic method definition {where}");
                }

                provider.Where = where;
                method.DecodeSignature(provider, null);
            }
        }

        for (var row = 1; row <= md.GetTableRowCount(TableIndex.TypeSpec); row++)
        {
            provider.Where = "type specification";
            md.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(row)).DecodeSignature(provider, null);
        }

        for (var row = 1; row <= md.GetTableRowCount(TableIndex.MethodSpec); row++)
        {
            var spec = md.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(row));
            problems.Add($"generic method instantiation of {MemberName(md, spec.Method)}");
        }

        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            provider.Where = $"reference to {MemberName(md, handle)}";
            if (member.GetKind() == MemberReferenceKind.Method)
            {
                member.DecodeMethodSignature(provider, null);
            }
            else
            {
                member.DecodeFieldSignature(provider, null);
            }
        }

        for (var row = 1; row <= md.GetTableRowCount(TableIndex.StandAloneSig); row++)
        {
            var sig = md.GetStandaloneSignature(MetadataTokens.StandaloneSignatureHandle(row));
            provider.Where = "local variables";
            if (sig.GetKind() == StandaloneSignatureKind.LocalVariables)
            {
                sig.DecodeLocalSignature(provider, null);
            }
            else
            {
                sig.DecodeMethodSignature(provider, null);
            }
        }

        foreach (var handle in md.TypeReferences)
        {
            var reference = md.GetTypeReference(handle);
            var name = md.GetString(reference.Name);
            if (name.StartsWith("ValueTuple", StringComparison.Ordinal) || name.Contains('`', StringComparison.Ordinal))
            {
                problems.Add($"reference to {md.GetString(reference.Namespace)}.{name}");
            }
        }

        problems.AddRange(provider.Problems);
        return problems.Distinct().ToList();
    }

    private static string FullName(MetadataReader md, TypeDefinition type)
    {
        var ns = md.GetString(type.Namespace);
        var name = md.GetString(type.Name);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    private static string MemberName(MetadataReader md, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.MethodDefinition => md.GetString(md.GetMethodDefinition((MethodDefinitionHandle)handle).Name),
        HandleKind.MemberReference => md.GetString(md.GetMemberReference((MemberReferenceHandle)handle).Name),
        _ => handle.Kind.ToString(),
    };

    /// <summary>Decodes signatures to names and records every construct the device cannot run.</summary>
    private sealed class FlaggingTypeProvider(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string Where { get; set; } = "";
        public List<string> Problems { get; } = [];

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments)
        {
            var text = $"{genericType}<{string.Join(",", typeArguments)}>";
            Problems.Add($"generic instantiation {text} in {Where}");
            return text;
        }

        public string GetArrayType(string elementType, ArrayShape shape)
        {
            Problems.Add($"multi-dimensional array {elementType}[{new string(',', shape.Rank - 1)}] in {Where}");
            return elementType + "[,]";
        }

        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
            => reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = md.GetTypeDefinition(handle);
            return md.GetString(type.Name);
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = md.GetTypeReference(handle);
            return md.GetString(type.Namespace) + "." + md.GetString(type.Name);
        }
    }
}
