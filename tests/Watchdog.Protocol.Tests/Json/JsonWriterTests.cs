using System.Globalization;

namespace Watchdog.Protocol.Tests.Json;

public class JsonWriterTests
{
    [Fact]
    public void Writes_compact_json_with_commas_in_the_right_places()
    {
        var w = new JsonWriter(16);
        w.BeginObject();
        w.Member("a", 1);
        w.Name("b");
        w.BeginArray();
        w.Boolean(true);
        w.Null();
        w.BeginObject();
        w.EndObject();
        w.BeginArray();
        w.EndArray();
        w.EndArray();
        w.Member("c", "x");
        w.MemberDouble("d", 0.25);
        w.EndObject();
        Assert.Equal("{\"a\":1,\"b\":[true,null,{},[]],\"c\":\"x\",\"d\":0.25}", w.ToString());

        w.Reset();
        w.Int64(long.MinValue);
        Assert.Equal("-9223372036854775808", w.ToString());
        w.Reset();
        w.Int64(long.MaxValue);
        Assert.Equal("9223372036854775807", w.ToString());
    }

    [Fact]
    public void Escapes_what_json_requires_and_keeps_the_rest_readable()
    {
        var w = new JsonWriter();
        w.String("q\"b\\n\nr\rt\tb\bf\f\u0001\u007f é😀");
        Assert.Equal("\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f\\u0001\\u007f é😀\"", w.ToString());
        Assert.Equal(Encoding.UTF8.GetBytes(w.ToString()), w.ToUtf8());
    }

    [Fact]
    public void Lone_surrogates_become_replacement_characters()
    {
        var w = new JsonWriter();
        w.String("a\uD800b");
        Assert.Equal("\"a\uFFFDb\"", Encoding.UTF8.GetString(w.ToUtf8()));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_doubles_are_null(double value)
    {
        var w = new JsonWriter();
        w.Double(value);
        Assert.Equal("null", w.ToString());
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(42.0, "42")]
    [InlineData(-3.5, "-3.5")]
    [InlineData(12.3456, "12.3456")]
    [InlineData(1e20, "1E+20")]
    public void Doubles_are_short_and_readable(double value, string expected)
    {
        var w = new JsonWriter();
        w.Double(value);
        Assert.Equal(expected, w.ToString());
    }

    [Fact]
    public void Doubles_parse_back_exactly_in_any_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            // A culture with a decimal comma must not leak into the wire format.
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Gen.Double.Where(d => double.IsFinite(d)).Sample(d =>
            {
                var w = new JsonWriter();
                w.Double(d);
                var bytes = w.ToUtf8();
                Assert.True(JsonParser.TryParse(bytes, 0, bytes.Length, JsonLimits.Default, out var node, out var error), error?.Text + " in " + w);
                Assert.Equal(d == 0 ? 0.0 : d, node!.AsDouble());
            }, iter: 20_000);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Any_string_round_trips_through_writer_and_parser()
    {
        Gen.String.Sample(s =>
        {
            var w = new JsonWriter();
            w.String(s);
            var bytes = w.ToUtf8();
            var limits = new JsonLimits { MaxStringLength = 100_000, MaxBytes = 1_000_000 };
            Assert.True(JsonParser.TryParse(bytes, 0, bytes.Length, limits, out var node, out var error), error?.Text);

            // What went in, with lone surrogates replaced as UTF-8 requires.
            var expected = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s));
            Assert.Equal(expected, node!.AsString());
        }, iter: 5_000);
    }

    [Fact]
    public void End_without_begin_is_a_programming_error()
    {
        var w = new JsonWriter();
        Assert.Throws<InvalidOperationException>(() => w.EndObject());
    }
}
