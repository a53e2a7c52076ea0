using System.Text.Json;

namespace Watchdog.Sites.Config;

/// <summary>
/// Reads a JSON document field by field and keeps reading after a problem, so one pass reports
/// every wrong field, each with its path (<c>dr_groups[0].ticket.lease_ms</c>). A field that could
/// not be read is remembered as bad, so later rules that need it stay quiet instead of adding a
/// second, confusing error about the same field.
/// </summary>
internal sealed class JsonFields
{
    private readonly List<string> _errors = [];
    private readonly HashSet<string> _bad = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Errors => _errors;

    public void Error(string path, string message)
    {
        _errors.Add($"{(path.Length == 0 ? "(the file)" : path)}: {message}");
        _bad.Add(path);
    }

    /// <summary>True when <paramref name="path"/> was read without a problem (rules that depend on it may run).</summary>
    public bool Good(params string[] paths) => paths.All(p => !_bad.Contains(p));

    /// <summary>Checks that <paramref name="element"/> is an object with only <paramref name="known"/> fields; false when it is not an object.</summary>
    public bool Object(JsonElement element, string path, params string[] known)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"must be an object, not {Kind(element)}");
            return false;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                // A misspelt field silently falling back to its default is how a timing ends up
                // not being what the operator wrote; refuse it and say which fields exist.
                Error(Join(path, property.Name), $"unknown field (known here: {string.Join(", ", known)})");
            }
        }

        return true;
    }

    public JsonElement? Field(JsonElement obj, string path, string name, bool required)
    {
        if (obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            return value;
        }

        if (required)
        {
            Error(Join(path, name), "is missing");
        }

        return null;
    }

    public string? String(JsonElement obj, string path, string name, bool required)
    {
        if (Field(obj, path, name, required) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Error(Join(path, name), $"must be a string, not {Kind(value)}");
            return null;
        }

        string text = value.GetString()!;
        if (text.Length == 0)
        {
            Error(Join(path, name), "is empty");
            return null;
        }

        return text;
    }

    /// <summary>A name that also appears in MQTT topics and etcd keys: no '/', '+', '#', spaces or control characters.</summary>
    public string? Name(JsonElement obj, string path, string name, bool required)
    {
        string? text = String(obj, path, name, required);
        if (text is null)
        {
            return null;
        }

        if (text.Length > 64 || text.Any(c => c is '/' or '+' or '#' || c <= ' '))
        {
            Error(Join(path, name), $"'{text}' must be at most 64 characters without '/', '+', '#', spaces or control characters (it goes into MQTT topics and etcd keys)");
            return null;
        }

        return text;
    }

    public int? Milliseconds(JsonElement obj, string path, string name, bool required, string unit = "milliseconds")
    {
        if (Field(obj, path, name, required) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int ms))
        {
            Error(Join(path, name), $"must be a whole number ({unit}), not {Kind(value)}");
            return null;
        }

        if (ms < 0)
        {
            Error(Join(path, name), $"{ms} is negative");
            return null;
        }

        return ms;
    }

    /// <summary>A whole number that is not negative (a count, a duration, an epoch), up to 2^63.</summary>
    public long? Whole(JsonElement obj, string path, string name, bool required, string unit)
    {
        if (Field(obj, path, name, required) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long n))
        {
            Error(Join(path, name), $"must be a whole number ({unit}), not {Kind(value)}");
            return null;
        }

        if (n < 0)
        {
            Error(Join(path, name), $"{n} is negative");
            return null;
        }

        return n;
    }

    public bool? Bool(JsonElement obj, string path, string name)
    {
        if (Field(obj, path, name, required: false) is not { } value)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Error(Join(path, name), $"must be true or false, not {Kind(value)}");
            return null;
        }

        return value.GetBoolean();
    }

    /// <summary>One of <paramref name="words"/>; the error lists them.</summary>
    public T? Word<T>(JsonElement obj, string path, string name, IReadOnlyDictionary<string, T> words)
        where T : struct
    {
        string? text = String(obj, path, name, required: true);
        if (text is null)
        {
            return null;
        }

        if (!words.TryGetValue(text, out var value))
        {
            Error(Join(path, name), $"'{text}' is not one of {string.Join(", ", words.Keys)}");
            return null;
        }

        return value;
    }

    /// <summary>The elements of an array field with their paths; an absent optional array is empty.</summary>
    public List<(JsonElement Element, string Path)> Array(JsonElement obj, string path, string name, bool required)
    {
        var items = new List<(JsonElement, string)>();
        if (Field(obj, path, name, required) is not { } value)
        {
            return items;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(Join(path, name), $"must be an array, not {Kind(value)}");
            return items;
        }

        int i = 0;
        foreach (var element in value.EnumerateArray())
        {
            items.Add((element, $"{Join(path, name)}[{i++}]"));
        }

        return items;
    }

    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => "null",
    };
}
