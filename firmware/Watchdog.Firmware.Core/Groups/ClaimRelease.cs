namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The only reasons an active claim ends (safety rule 1: a member counts as active from its
    /// active grant until its demotion is acknowledged or it is confirmed out). The board's word
    /// alone, or silence, ends none. GroupArbiter.ReleaseClaim is the one place that ends a claim.
    /// </summary>
    internal enum ClaimRelease
    {
        /// <summary>It cannot act: reset held for fence_confirm_ms, or forced off by the board with every power-good low. Its role goes to standby.</summary>
        ConfirmedOut = 0,

        /// <summary>Its agent acknowledged a demotion granted after the claim: it stepped down by its own word.</summary>
        DemotionAcknowledged = 1,

        /// <summary>Its agent handed the grant of active back (its promote was rolled back): standby, and passed over for a grant-ack timeout.</summary>
        HandedBack = 2,

        /// <summary>
        /// It claimed only because the board could not be sure (after a restart), and now reports
        /// a role other than active at an epoch at least as new as the group's and the persisted
        /// one: it saw the latest round.
        /// </summary>
        ReportsNotActive = 3,
    }
}
