using Hardware.Tests.PinMaps;

namespace Hardware.Tests.PinMapChecks;

/// <summary>
/// Which ESP32 strapping pins may carry a button output, checked by moving s1.reset of the
/// WT32-ETH01 map onto each one. GPIO2 and GPIO12 are harmless (pulled down; an active-high output
/// idles low, and only GPIO0-low or GPIO12-high change the boot); GPIO0 is reserved; GPIO5 and GPIO15
/// are pulled up and toggled by the ROM, so the button would be pressed at every board start.
/// </summary>
public class StrappingPinTests
{
    [Theory]
    [InlineData(2, null)]
    [InlineData(12, null)]
    [InlineData(0, "s1.reset uses GPIO 0, which is reserved")]
    [InlineData(5, "s1.reset on GPIO 5: the pin is driven (pulses) during boot")]
    [InlineData(15, "s1.reset on GPIO 15: the pin is driven (pulses) during boot")]
    public void Strapping_pin_as_reset_output(int gpio, string? expected)
    {
        var map = OnlyS1WithResetOn(Wt32(), gpio);

        var problems = PinMapValidator.Validate(map, "wt32-eth01.json");

        if (expected is null)
        {
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }
        else
        {
            var only = Assert.Single(problems);
            Assert.StartsWith("wt32-eth01: " + expected, only);
        }
    }

    [Fact]
    public void Gpio12_takes_an_output_but_never_an_input()
    {
        var map = Wt32();
        var c = map.Channels[0];
        // Swap s1's power output (GPIO12) and power-good input (GPIO36) roles onto GPIO12 as an input.
        var swapped = map with
        {
            Channels = [c with { PowerGood = [12], Power = 4, Reset = 17 }, map.Channels[1]],
            StatusLed = null,
        };

        var problems = PinMapValidator.Validate(swapped, "wt32-eth01.json");

        Assert.Contains(problems, p => p.Contains("s1.power_good[0] on GPIO 12: an input can hold this strapping pin high at reset", StringComparison.Ordinal));
    }

    private static PinMap Wt32() => PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, "wt32-eth01.json"));

    /// <summary>
    /// Keeps channel s1 alone with its reset on <paramref name="gpio"/>, the feed and LED unwired,
    /// and s1's power moved off the pin if it sat there, so only the reset rule is tested.
    /// </summary>
    private static PinMap OnlyS1WithResetOn(PinMap map, int gpio)
    {
        var s1 = map.Channels[0];
        if (s1.Power == gpio)
        {
            s1 = s1 with { Power = 17 };
        }
        return map with { WatchdogFeed = null, StatusLed = null, Channels = [s1 with { Reset = gpio }] };
    }
}
