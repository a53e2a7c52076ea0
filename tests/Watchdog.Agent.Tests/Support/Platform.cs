// The agent and its tests are Linux-only (/proc, /sys, ptys, systemd).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
