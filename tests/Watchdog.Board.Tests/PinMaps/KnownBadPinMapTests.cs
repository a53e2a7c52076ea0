using Watchdog.Firmware.Core.PinMaps;

namespace Watchdog.Board.Tests.PinMaps;

/// <summary>
/// The known-bad pin maps the hardware tests keep (tests/Hardware.Tests/BadPinMaps): the ones whose
/// fault the firmware's reader is responsible for are refused by it too, with the field named.
/// (Board-level rules such as boot-glitching pins are the hardware validator's, not the firmware's.)
/// </summary>
public sealed class KnownBadPinMapTests
{
    [Theory]
    [InlineData("duplicate-channel-name.json", "is used twice")]
    [InlineData("missing-reset.json", ".reset: missing")]
    [InlineData("output-on-input-only-pin.json", "cannot drive an output")]
    [InlineData("pin-not-on-header.json", "is not in pins[]")]
    [InlineData("pin-used-twice.json", "is already used by")]
    [InlineData("reserved-pin-used.json", "is reserved")]
    [InlineData("watchdog-feed-on-channel-pin.json", "is already used by watchdog_feed")]
    [InlineData("pair-missing-peer-reset.json", "pair.peer_reset: missing")]
    [InlineData("pair-pin-used-twice.json", "pair.peer_reset: GPIO 13 is already used by status_led")]
    public void Known_bad_map_is_refused(string file, string expected)
    {
        byte[] json = File.ReadAllBytes(Repository.Path("tests/Hardware.Tests/BadPinMaps/" + file));
        Assert.False(PinMapReader.TryRead(json, out _, out string error), file + " was accepted");
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
