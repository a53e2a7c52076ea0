namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The only reasons an active claim ends (safety rule 1: a member counts as active from its
    /// active grant until its demotion is acknowledged or it is confirmed out); the board's word
    /// alone, or silence, ends none. GroupArbiter.ReleaseClaim is the one place that ends a claim,
    /// and says what each reason does: confirmed out (it cannot act), demotion acknowledged (it
    /// stepped down by its own word), handed back (its promote was rolled back), reports not
    /// active (after a restart it claimed only because the board could not be sure), stepped down
    /// (it left its granted role on its own, unasked, and says so at the group's epoch).
    /// </summary>
    internal enum ClaimRelease { ConfirmedOut = 0, DemotionAcknowledged = 1, HandedBack = 2, ReportsNotActive = 3, SteppedDown = 4 }
}
