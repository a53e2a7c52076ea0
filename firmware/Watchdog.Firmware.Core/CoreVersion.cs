namespace Watchdog.Firmware.Core
{
    /// <summary>Placeholder until the state machine lands (#3); keeps the gate project non-empty.</summary>
    public static class CoreVersion
    {
        public const int Protocol = 1;
    }
}
