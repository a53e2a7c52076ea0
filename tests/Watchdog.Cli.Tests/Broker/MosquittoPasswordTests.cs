using System.Diagnostics;

namespace Watchdog.Cli.Tests.Broker;

/// <summary>password_file lines are the ones mosquitto_passwd writes (the broker test shows mosquitto accepts them too).</summary>
public sealed class MosquittoPasswordTests
{
    [Theory]
    [InlineData("agent-db1", "s3cret")]
    [InlineData("board-rack1", "GkR0w1dS2p9b3l4-_ZxYvUtSrQpOnMlKjIhGfEdCbA")]
    [InlineData("operator-zoë", "pässwörd with spaces and ünïcode")]
    public void A_line_matches_mosquitto_passwd_for_the_same_salt(string user, string password)
    {
        string dir = BrokerTestSupport.NewDirectory();
        try
        {
            string file = Path.Combine(dir, "passwords");
            var start = new ProcessStartInfo("mosquitto_passwd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string arg in new[] { "-b", "-c", file, user, password })
            {
                start.ArgumentList.Add(arg);
            }

            using (Process p = Process.Start(start)!)
            {
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
            }

            string theirs = File.ReadAllText(file).TrimEnd('\n');
            // user:$7$<iterations>$<salt>$<hash>
            string[] fields = theirs[(user.Length + 1)..].Split('$');
            Assert.Equal("7", fields[1]);
            Assert.Equal(MosquittoPassword.Iterations, int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
            byte[] salt = Convert.FromBase64String(fields[3]);
            Assert.Equal(MosquittoPassword.SaltBytes, salt.Length);

            Assert.Equal(theirs, MosquittoPassword.Line(user, password, salt, MosquittoPassword.Iterations));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Generated_passwords_are_long_random_and_plain_characters()
    {
        var passwords = Enumerable.Range(0, 50).Select(_ => MosquittoPassword.Generate()).ToList();
        Assert.Equal(passwords.Count, passwords.Distinct().Count());
        Assert.All(passwords, p => Assert.Matches("^[A-Za-z0-9_-]{43}$", p));
    }

    [Fact]
    public void Every_line_has_its_own_salt()
    {
        Assert.NotEqual(MosquittoPassword.Line("u", "p"), MosquittoPassword.Line("u", "p"));
    }
}
