using System.Collections;
using System.Reflection;

namespace Watchdog.Protocol.Tests.Codec;

/// <summary>Compares two messages property by property (arrays element by element) and says where they differ.</summary>
public static class MessageEquality
{
    public static void AssertEqual(object expected, object actual) => AssertEqual(expected, actual, expected.GetType().Name);

    private static void AssertEqual(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, path + ": one side is null");
            return;
        }

        var type = expected.GetType();
        Assert.True(type == actual.GetType(), path + ": types differ");
        if (type.IsPrimitive || type.IsEnum || type == typeof(string))
        {
            // double.NaN equals itself here, as it does after a round trip (written as null, read as NaN).
            Assert.True(expected.Equals(actual), $"{path}: expected {expected}, got {actual}");
            return;
        }

        if (expected is IList list)
        {
            var other = (IList)actual;
            Assert.True(list.Count == other.Count, $"{path}: expected {list.Count} items, got {other.Count}");
            for (int i = 0; i < list.Count; i++)
            {
                AssertEqual(list[i], other[i], $"{path}[{i}]");
            }

            return;
        }

        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            AssertEqual(p.GetValue(expected), p.GetValue(actual), path + "." + p.Name);
        }
    }
}
