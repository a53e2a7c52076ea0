using System.Diagnostics;
using Xunit.Abstractions;

namespace Watchdog.Protocol.Tests.Codec;

/// <summary>
/// Property tests of the readers on hostile input: random bytes, random JSON-ish token soup, and
/// valid messages mangled by bit flips, truncation, insertion, deletion and duplicated fragments.
/// Every reader must return (never throw), and its answer must be consistent: true with a
/// message and no error, or false with an error sentence and no message. A message that still
/// decodes must re-encode to something that decodes to the same message. Each test prints how
/// many inputs it ran.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private static long _suiteInputs;

    private static readonly byte[][] Goldens = CodecCase.All.Select(c => File.ReadAllBytes(c.GoldenPath)).ToArray();

    private static readonly byte[] Structural = "{}[],:\"\\ -.0123456789eEtrufalsn\u00e9"u8.ToArray();

    /// <summary>Feeds one payload to the JSON parser, every message decoder and the presence reader.</summary>
    private static int FeedEverything(byte[] payload)
    {
        CheckParser(payload);
        foreach (var c in CodecCase.All)
        {
            CheckDecoder(c, payload);
        }

        var ok = MessageCodec.TryDecodePresence(payload, out _, out var error);
        Assert.True(ok == (error == null));
        return CodecCase.All.Length + 2;
    }

    private static void CheckParser(byte[] payload)
    {
        var ok = JsonParser.TryParse(payload, 0, payload.Length, JsonLimits.Default, out var root, out var error);
        if (ok)
        {
            Assert.NotNull(root);
            Assert.Null(error);
        }
        else
        {
            Assert.Null(root);
            Assert.False(string.IsNullOrEmpty(error!.Text));
            Assert.InRange(error.Position, 0, payload.Length);

            // The parser's last-resort catch must never be what answered.
            Assert.DoesNotContain("internal reader failure", error.Text, StringComparison.Ordinal);
        }
    }

    private static void CheckDecoder(CodecCase c, byte[] payload)
    {
        var ok = c.Decode(payload, out var message, out var error);
        if (!ok)
        {
            Assert.Null(message);
            Assert.NotNull(error);
            Assert.NotEqual(CodecErrorCode.None, error!.Code);
            Assert.False(string.IsNullOrEmpty(error.Text));
            Assert.DoesNotContain("internal reader failure", error.Text, StringComparison.Ordinal);
            return;
        }

        Assert.NotNull(message);
        Assert.Null(error);
        var again = c.Encode(message!);
        Assert.True(c.Decode(again, out var back, out error), error?.Text);
        MessageEquality.AssertEqual(message!, back!);
    }

    private static readonly Gen<byte[]> RandomBytes = Gen.OneOf(
        Gen.Byte.Array[0, 64],
        Gen.Byte.Array[0, 600],
        Gen.Byte[0x20, 0x7E].Array[0, 200]);

    private static readonly Gen<byte[]> TokenSoup = Gen.OneOf(
            Gen.Const("{"), Gen.Const("}"), Gen.Const("["), Gen.Const("]"), Gen.Const(","), Gen.Const(":"),
            Gen.Const("\"node\""), Gen.Const("\"ts\""), Gen.Const("\"role\""), Gen.Const("\"active\""), Gen.Const("\"checks\""),
            Gen.Const("\"\\ud83d\\ude00\""), Gen.Const("\"\\u00\""), Gen.Const("\"a"), Gen.Const("true"), Gen.Const("null"),
            Gen.Const("-0"), Gen.Const("1e400"), Gen.Const("9223372036854775808"), Gen.Const("0.5"), Gen.Const(" "),
            Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        .Array[1, 40]
        .Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)));

    /// <summary>One to four mutations stacked on a golden message.</summary>
    private static readonly Gen<byte[]> Mutated =
        Gen.Select(Gen.Int[0, Goldens.Length - 1], Gen.Int[0, int.MaxValue].Array[1, 4], Gen.Int[0, int.MaxValue].Array[12], (index, kinds, r) =>
            {
                var bytes = new List<byte>(Goldens[index]);
                int k = 0;
                int Next(int bound) => bound <= 0 ? 0 : r[k++ % r.Length] % bound;
                foreach (var kind in kinds)
                {
                    int at = Next(bytes.Count + 1);
                    switch (kind % 7)
                    {
                        case 0: // bit flip
                            if (bytes.Count > 0)
                            {
                                int i = Math.Min(at, bytes.Count - 1);
                                bytes[i] ^= (byte)(1 << Next(8));
                            }

                            break;
                        case 1: // truncation
                            bytes.RemoveRange(at, bytes.Count - at);
                            break;
                        case 2: // insertion of random bytes
                            for (int j = Next(6) + 1; j > 0; j--)
                            {
                                bytes.Insert(Math.Min(at, bytes.Count), (byte)Next(256));
                            }

                            break;
                        case 3: // insertion of a structural character
                            bytes.Insert(at, Structural[Next(Structural.Length)]);
                            break;
                        case 4: // duplicated fragment
                            {
                                int from = Next(bytes.Count);
                                int len = Math.Min(Next(40) + 1, bytes.Count - from);
                                var fragment = bytes.GetRange(from, Math.Max(len, 0));
                                bytes.InsertRange(Math.Min(at, bytes.Count), fragment);
                                break;
                            }

                        case 5: // deletion of a slice
                            {
                                int len = Math.Min(Next(20) + 1, bytes.Count - at);
                                if (len > 0)
                                {
                                    bytes.RemoveRange(at, len);
                                }

                                break;
                            }

                        default: // overwrite with a structural character
                            if (bytes.Count > 0)
                            {
                                bytes[Math.Min(at, bytes.Count - 1)] = Structural[Next(Structural.Length)];
                            }

                            break;
                    }
                }

                return bytes.ToArray();
            });

    private void Report(string what, long inputs, long decoderCalls, Stopwatch watch)
    {
        long total = Interlocked.Add(ref _suiteInputs, inputs);
        output.WriteLine($"{what}: {inputs} inputs, {decoderCalls} reader calls, {watch.ElapsedMilliseconds} ms (fuzz inputs in this run so far: {total})");
    }

    [Fact]
    public void Random_bytes_never_throw() => FeedAll(RandomBytes, 25_000, "random bytes");

    [Fact]
    public void Random_token_soup_never_throws() => FeedAll(TokenSoup, 25_000, "token soup");

    [Fact]
    public void Mutated_messages_never_throw()
    {
        const int inputs = 60_000;
        long stillValid = FeedAll(Mutated, inputs, "mutated messages", bytes => JsonParser.TryParse(bytes, 0, bytes.Length, JsonLimits.Default, out _, out _));
        output.WriteLine($"  of which still valid JSON: {stillValid}");

        // The mutations must reach both sides: mostly broken input, but some that still parses and goes on to the field checks.
        Assert.InRange(stillValid, 100, inputs - 1000);
    }

    /// <summary>
    /// Feeds every sample of <paramref name="gen"/> to every reader (none may throw) and reports the
    /// run; returns how many samples <paramref name="counts"/> held for.
    /// </summary>
    private long FeedAll(Gen<byte[]> gen, int iterations, string what, Func<byte[], bool>? counts = null)
    {
        long inputs = 0, calls = 0, counted = 0;
        var watch = Stopwatch.StartNew();
        gen.Sample(bytes =>
        {
            Interlocked.Increment(ref inputs);
            Interlocked.Add(ref calls, FeedEverything(bytes));
            if (counts != null && counts(bytes))
            {
                Interlocked.Increment(ref counted);
            }
        }, iter: iterations);
        Report(what, inputs, calls, watch);
        Assert.Equal(iterations, inputs);
        return counted;
    }

    [Fact]
    public void Deeply_nested_and_oversized_input_is_refused_quickly()
    {
        var watch = Stopwatch.StartNew();
        long inputs = 0;
        foreach (var depth in new[] { 17, 100, 4000 })
        {
            foreach (var open in new[] { "[", "{\"a\":" })
            {
                var bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(open, depth)));
                Assert.False(JsonParser.TryParse(bytes, 0, bytes.Length, JsonLimits.Default, out _, out var error));
                Assert.True(error!.Code is CodecErrorCode.TooDeep or CodecErrorCode.TooLarge, error.Text);
                FeedEverything(bytes);
                inputs++;
            }
        }

        var huge = new byte[10_000_000];
        Assert.False(JsonParser.TryParse(huge, 0, huge.Length, JsonLimits.Default, out _, out var tooLarge));
        Assert.Equal(CodecErrorCode.TooLarge, tooLarge!.Code);
        inputs++;
        Report("nesting and size bombs", inputs, inputs * (CodecCase.All.Length + 2), watch);
    }
}
