namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// Bounds on what the parser accepts, so a hostile or broken payload cannot make it allocate
    /// without bound or recurse deeply. The defaults fit every message of docs/protocol.md with room
    /// to spare and suit the device's ~70-110 KB heap.
    /// </summary>
    public sealed class JsonLimits
    {
        private static readonly JsonLimits DefaultLimits = new JsonLimits();

        /// <summary>Largest payload in bytes, checked before anything is parsed or allocated. Default 8192.</summary>
        public int MaxBytes { get; set; } = 8192;

        /// <summary>Deepest nesting of arrays and objects; the top-level value is depth 1. Default 16.</summary>
        public int MaxDepth { get; set; } = 16;

        /// <summary>Longest string or member name, in UTF-16 units after unescaping. Default 2048.</summary>
        public int MaxStringLength { get; set; } = 2048;

        /// <summary>Most elements in one array or members in one object. Default 512.</summary>
        public int MaxMembers { get; set; } = 512;

        /// <summary>The shared default limits. Do not change them; make a new instance instead.</summary>
        public static JsonLimits Default { get { return DefaultLimits; } }
    }
}
