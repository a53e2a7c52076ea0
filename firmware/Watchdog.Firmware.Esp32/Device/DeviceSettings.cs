namespace Watchdog.Firmware.Esp32
{
    /// <summary>
    /// What a particular device needs before it can read anything from flash: the network, the
    /// brokers, and the board config and pin map written to internal flash on first boot. Edit
    /// these before building (see README.md, "Configure"); after the first boot the files on
    /// flash (I:\board.json, I:\pins.json) are what counts, so a rebuild does not silently
    /// replace a configuration that was changed on the device.
    /// </summary>
    public static class DeviceSettings
    {
        /// <summary>Empty for Ethernet boards (WT32-ETH01, Olimex ESP32-POE-ISO).</summary>
        public const string WifiSsid = "";
        public const string WifiPassword = "";

        /// <summary>Brokers in order of preference.</summary>
        public static readonly string[] BrokerHosts = new string[] { "192.168.1.10", "192.168.1.11" };
        public static readonly int[] BrokerPorts = new int[] { 1883, 1883 };
        public const string MqttUsername = "";
        public const string MqttPassword = "";

        /// <summary>PEM of the CA that signed the brokers' certificates; empty for plain TCP.</summary>
        public const string BrokerCaPem = "";

        /// <summary>
        /// The board's key file, lines separated by '\n' (format: ClusterKeyFile; 'watchdogctl keys
        /// generate' writes board-&lt;name&gt;.keys): operator keys verify commands, this board's key
        /// seals what it publishes, every node's key checks node states. Empty refuses every command
        /// and leaves messages unauthenticated.
        /// </summary>
        public const string KeyLines = "";

        /// <summary>Internal flash (SPIFFS/LittleFS) drive of the ESP32 targets.</summary>
        public const string FlashDirectory = "I:\\";

        /// <summary>The board config and pin map written to flash on first boot (paste the files from hardware/boards and your board config).</summary>
        public const string DefaultBoardJson = "";
        public const string DefaultPinMapJson = "";

        /// <summary>
        /// A board of a pair (a "pair" section in board.json and pins.json): UART2's pins to the
        /// other board (TX to its RX, RX to its TX, common ground) and the line speed. At 115200 baud
        /// a frame every 20 ms fills about two thirds of the line; 230400 leaves room.
        /// </summary>
        public const int PairUartTxPin = 22;
        public const int PairUartRxPin = 19;
        public const int PairUartBaud = 230400;

        /// <summary>
        /// Every this many ms the board publishes its sealed metrics report on board/&lt;name&gt;/metrics,
        /// which `watchdogctl exporter` serves to Prometheus (docs/operations.md, "Metrics"); 0: never.
        /// Needs this board's key in KeyLines (the report is sealed).
        /// </summary>
        public const int MetricsReportIntervalMs = 0;

        /// <summary>The supervisor reboots the device when the tick loop has not run for this long.</summary>
        public const int TickStallLimitMs = 3000;
    }
}
