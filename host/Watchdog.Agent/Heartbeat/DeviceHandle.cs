namespace Watchdog.Agent.Heartbeat;

internal static class DeviceHandle
{
    /// <summary>
    /// Disposes a handle the hardware has already let go of (Close clears its field first, so a
    /// failed release never leaves a half-closed handle behind). A device that vanished can throw
    /// while it is released; <paramref name="isGone"/> names those exceptions, and there is
    /// nothing left to release then.
    /// </summary>
    public static void Release(IDisposable? handle, Func<Exception, bool> isGone)
    {
        try
        {
            handle?.Dispose();
        }
        catch (Exception ex) when (isGone(ex))
        {
            // The device is already gone; so is the handle.
        }
    }
}
