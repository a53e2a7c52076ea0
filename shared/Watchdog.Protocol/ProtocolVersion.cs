namespace Watchdog.Protocol
{
    /// <summary>The wire protocol's version; it is the second level of every topic.</summary>
    public static class ProtocolVersion
    {
        public const string TopicRootPrefix = "watchdog/v1";
        public const int Number = 1;
    }
}
