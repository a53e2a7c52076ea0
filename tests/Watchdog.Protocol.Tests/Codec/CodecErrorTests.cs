using System.Text.Json.Nodes;

namespace Watchdog.Protocol.Tests.Codec;

/// <summary>Malformed messages give a typed error whose sentence names the field or the byte.</summary>
public class CodecErrorTests
{
    private static readonly string[] WordFields = ["role", "health", "status", "state", "verdict", "mode", "kind", "severity", "action", "pair"];

    private static JsonObject Golden(CodecCase c) => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllBytes(c.GoldenPath))!.AsObject();

    private static CodecError Refuse(CodecCase c, string json)
    {
        Assert.False(c.Decode(Encoding.UTF8.GetBytes(json), out var message, out var error), "accepted: " + json);
        Assert.Null(message);
        Assert.NotNull(error);
        return error!;
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Each_missing_required_field_is_named(CodecCase c)
    {
        foreach (var field in c.Required)
        {
            var json = Golden(c);
            Assert.True(json.Remove(field), c.Name + " golden lacks " + field);
            var error = Refuse(c, json.ToJsonString());
            Assert.Equal(CodecErrorCode.MissingField, error.Code);
            Assert.Equal(field, error.Field);
            Assert.Equal("field '" + field + "': is required but missing", error.Text);
        }
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Each_field_of_the_wrong_type_is_named(CodecCase c)
    {
        foreach (var (field, value) in Golden(c))
        {
            var json = Golden(c);

            // A string where anything else belongs, an object where a string belongs.
            json[field] = value!.GetValueKind() == System.Text.Json.JsonValueKind.String ? new JsonObject() : JsonValue.Create("oops");
            var error = Refuse(c, json.ToJsonString());
            Assert.Equal(CodecErrorCode.WrongType, error.Code);
            Assert.Equal(field, error.Field);
            Assert.StartsWith("field '" + field + "': expected ", error.Text, StringComparison.Ordinal);
            Assert.True(error.Position > 0);
        }
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Each_unknown_enum_word_is_named(CodecCase c)
    {
        int tried = 0;
        foreach (var (field, _) in Golden(c))
        {
            if (!WordFields.Contains(field) || (c.Name == "event" && field == "kind"))
            {
                continue;
            }

            var json = Golden(c);
            json[field] = "leader";
            var error = Refuse(c, json.ToJsonString());
            Assert.Equal(CodecErrorCode.UnknownWord, error.Code);
            Assert.Equal(field, error.Field);
            Assert.Contains("unknown word 'leader', expected one of ", error.Text, StringComparison.Ordinal);
            tried++;
        }

        // node-state has role and health, channel-reading state and verdict, board-status status and pair, metrics none, the rest one.
        Assert.Equal(c.Name switch { "node-state" or "channel-reading" or "board-status" => 2, "node-metrics" => 0, _ => 1 }, tried);
    }

    [Fact]
    public void Nested_check_errors_name_the_path()
    {
        var json = Golden(CodecCase.All[0]);
        json["checks"]![1]!.AsObject().Remove("ok");
        var error = Refuse(CodecCase.All[0], json.ToJsonString());
        Assert.Equal(CodecErrorCode.MissingField, error.Code);
        Assert.Equal("checks[1].ok", error.Field);

        json = Golden(CodecCase.All[0]);
        json["checks"]![0] = 5;
        error = Refuse(CodecCase.All[0], json.ToJsonString());
        Assert.Equal("field 'checks[0]': expected an object, got a number", error.Text);
    }

    [Fact]
    public void Array_elements_of_the_wrong_type_are_named()
    {
        var c = CodecCase.All.Single(x => x.Name == "group-roles");
        var json = Golden(c);
        json["fenced"] = new JsonArray("db1", 2);
        Assert.Equal("field 'fenced[1]': expected a string, got a number", Refuse(c, json.ToJsonString()).Text);
    }

    [Fact]
    public void Integers_must_be_integers_and_counts_must_fit()
    {
        var c = CodecCase.All.Single(x => x.Name == "grant");
        var json = Golden(c);
        json["epoch"] = 7.5;
        var error = Refuse(c, json.ToJsonString());
        Assert.Equal(CodecErrorCode.WrongType, error.Code);
        Assert.Equal("epoch", error.Field);
        Assert.Contains("expected an integer", error.Text, StringComparison.Ordinal);

        var board = CodecCase.All.Single(x => x.Name == "board-status");
        json = Golden(board);
        json["channels"] = 3_000_000_000;
        error = Refuse(board, json.ToJsonString());
        Assert.Equal(CodecErrorCode.OutOfRange, error.Code);
        Assert.Equal("channels", error.Field);
        json["channels"] = -1;
        Assert.Equal(CodecErrorCode.OutOfRange, Refuse(board, json.ToJsonString()).Code);
    }

    [Theory]
    [MemberData(nameof(CodecCase.Theory), MemberType = typeof(CodecCase))]
    public void Root_must_be_an_object_and_syntax_errors_give_the_byte(CodecCase c)
    {
        var error = Refuse(c, "[1,2]");
        Assert.Equal(CodecErrorCode.WrongType, error.Code);
        Assert.Equal("at byte 0: expected a JSON object, got an array", error.Text);

        var golden = File.ReadAllText(c.GoldenPath);
        error = Refuse(c, golden[..^1]);
        Assert.Equal(CodecErrorCode.Syntax, error.Code);
        Assert.Equal(golden.Length - 1, error.Position);

        Assert.False(c.Decode(null!, out _, out error));
        Assert.Equal(CodecErrorCode.Syntax, error!.Code);
    }

    [Fact]
    public void Presence_errors()
    {
        Assert.False(MessageCodec.TryDecodePresence("online"u8.ToArray(), out _, out var error));
        Assert.Equal(CodecErrorCode.UnknownWord, error!.Code);
        Assert.Equal("unknown status word 'online', expected one of init, ready, disconnected, lost, alert", error.Text);
        Assert.False(MessageCodec.TryDecodePresence([0x72, 0xFF], out _, out error));
        Assert.Equal(CodecErrorCode.InvalidUtf8, error!.Code);
        Assert.Equal(1, error.Position);
        Assert.False(MessageCodec.TryDecodePresence(new byte[65], out _, out error));
        Assert.Equal(CodecErrorCode.TooLarge, error!.Code);
        Assert.False(MessageCodec.TryDecodePresence("\"ready\""u8.ToArray(), out _, out error));
        Assert.Equal(CodecErrorCode.UnknownWord, error!.Code);
    }

    [Fact]
    public void Oversized_payloads_are_refused_before_parsing()
    {
        var big = Encoding.UTF8.GetBytes("{\"node\":\"" + new string('x', 9000) + "\"}");
        Assert.False(MessageCodec.TryDecode(big, out NodeState? _, out var error));
        Assert.Equal(CodecErrorCode.TooLarge, error!.Code);
    }
}
