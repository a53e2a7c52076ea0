// Each test runs two or three PostgreSQL servers; on a shared 2-core machine they run one test
// at a time, so timing-sensitive steps (a commit waiting, a failover) are not starved.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// PostgreSQL is run here through runuser, /proc and POSIX signals: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
