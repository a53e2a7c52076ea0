namespace Watchdog.Protocol.Json
{
    /// <summary>The seven kinds of JSON value (RFC 8259); true and false are kinds of their own.</summary>
    public enum JsonKind { Null = 0, False = 1, True = 2, Number = 3, String = 4, Array = 5, Object = 6 }
}
