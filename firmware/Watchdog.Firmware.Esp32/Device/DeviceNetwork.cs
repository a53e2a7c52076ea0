using System;
using System.Threading;
using nanoFramework.Networking;

namespace Watchdog.Firmware.Esp32
{
    /// <summary>
    /// Brings the network up and waits for a valid wall clock (device-only: the network helpers of
    /// nanoFramework.System.Net and nanoFramework.System.Device.Wifi). Ethernet boards (WT32-ETH01,
    /// Olimex ESP32-POE-ISO) use the interface the firmware image configures; Wi-Fi boards join
    /// the network named in DeviceSettings. The clock matters: every retained message carries a
    /// timestamp that readers judge freshness by, and signed commands carry expiry times.
    /// </summary>
    public static class DeviceNetwork
    {
        public static bool Start(int timeoutMs)
        {
            CancellationTokenSource cts = new CancellationTokenSource(timeoutMs);
            bool ok;
            if (DeviceSettings.WifiSsid.Length > 0)
            {
                ok = WifiNetworkHelper.ConnectDhcp(DeviceSettings.WifiSsid, DeviceSettings.WifiPassword, requiresDateTime: true, token: cts.Token);
            }
            else
            {
                ok = NetworkHelper.SetupAndConnectNetwork(cts.Token, true);
            }

            if (!ok)
            {
                Console.WriteLine("network: not up within " + timeoutMs.ToString() + " ms");
            }

            return ok;
        }
    }
}
