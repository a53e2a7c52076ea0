namespace Watchdog.Firmware.Core.Config
{
    /// <summary>The configuration's words for ladder steps, failback and network-failure policies (never Enum.ToString on the device).</summary>
    public static class ConfigWords
    {
        private static readonly string[] Steps = { "notify", "restart-service", "reset", "power-cycle", "hold", "fence" };
        private static readonly string[] Failbacks = { "automatic", "manual" };
        private static readonly string[] NetworkFailures = { "demote", "fence" };

        public static string Of(LadderStep step) { return Steps[(int)step]; }

        public static string Of(FailbackPolicy policy) { return Failbacks[(int)policy]; }

        public static string Of(NetworkFailurePolicy policy) { return NetworkFailures[(int)policy]; }

        public static bool TryParse(string word, out NetworkFailurePolicy policy)
        {
            int i = IndexOf(NetworkFailures, word);
            policy = (NetworkFailurePolicy)(i < 0 ? 0 : i);
            return i >= 0;
        }

        public static bool TryParse(string word, out LadderStep step)
        {
            int i = IndexOf(Steps, word);
            step = (LadderStep)(i < 0 ? 0 : i);
            return i >= 0;
        }

        public static bool TryParse(string word, out FailbackPolicy policy)
        {
            int i = IndexOf(Failbacks, word);
            policy = (FailbackPolicy)(i < 0 ? 0 : i);
            return i >= 0;
        }

        /// <summary>"notify, reset, hold": a ladder in words, for messages and docs.</summary>
        public static string Describe(LadderStep[] ladder)
        {
            string text = "";
            for (int i = 0; i < ladder.Length; i++)
            {
                text = i == 0 ? Of(ladder[i]) : text + ", " + Of(ladder[i]);
            }

            return text;
        }

        public static string AllSteps() { return "notify, restart-service, reset, power-cycle, hold, fence"; }

        private static int IndexOf(string[] table, string word)
        {
            for (int i = 0; i < table.Length; i++)
            {
                if (table[i] == word)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
