namespace Watchdog.Lab;

/// <summary>The lab's rack could not do what the demo or the bench needs (it did not settle, say): one line for the operator, no stack trace.</summary>
public sealed class LabFailedException(string message) : Exception(message);
