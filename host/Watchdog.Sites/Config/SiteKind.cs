namespace Watchdog.Sites.Config;

/// <summary>What the other site is, in the usual words for DR sites.</summary>
public enum SiteKind
{
    /// <summary>Nothing at the other site waits for the group: restore from backups onto hardware found after the disaster.</summary>
    Cold,

    /// <summary>Hardware waits (provisioned, or running without a live replica); data comes from shipped logs or backups.</summary>
    Warm,

    /// <summary>A replica runs at the other site, kept current by streaming replication; a site switch is a promotion.</summary>
    Hot,

    /// <summary>A synchronous replica runs at the other site and the ticket moves by itself: no commit lost, no human needed.</summary>
    Mirror,
}

/// <summary>
/// The site kind and the SHARE tier of a DR group, from its configuration and, for the top tier,
/// its drills. The rules are in docs/dr.md ("Site kinds and tiers"); each line here is one of them.
/// </summary>
public static class DrClassification
{
    /// <summary>First match wins.</summary>
    public static SiteKind Kind(DrGroup g) => g switch
    {
        { StandbySite: StandbySite.None } => SiteKind.Cold,
        { Replication: Replication.Sync, StandbySite: StandbySite.Running, Failover: FailoverMode.Automatic } => SiteKind.Mirror,
        { Replication: Replication.Sync or Replication.Async, StandbySite: StandbySite.Running } => SiteKind.Hot,
        _ => SiteKind.Warm,
    };

    /// <summary>
    /// The tier the configuration claims, 0-6 (SHARE's seven tiers). Tier 7 is earned, not
    /// configured: <see cref="DrReport"/> gives it to a tier-6 group whose last unplanned drill met
    /// its objectives with nothing lost and no overlap.
    /// </summary>
    public static int ConfiguredTier(DrGroup g) => g switch
    {
        { Replication: Replication.None } => 0,
        { Replication: Replication.Backup, StandbySite: StandbySite.None } => 1,
        { Replication: Replication.Backup } => 2,
        { Replication: Replication.LogShipping } => 3,
        { Replication: Replication.Async } => 4,
        { Replication: Replication.Sync, Failover: FailoverMode.Manual } => 5,
        _ => 6,
    };

    public static string Word(SiteKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>SHARE's name for each tier, as the report prints it.</summary>
    public static string TierName(int tier) => tier switch
    {
        0 => "no off-site data",
        1 => "data backup, no standby site",
        2 => "data backup, standby site",
        3 => "electronic vaulting",
        4 => "point-in-time copies, active standby site",
        5 => "transaction integrity",
        6 => "zero or little data loss",
        7 => "highly automated, business-integrated",
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "tiers are 0-7"),
    };
}
