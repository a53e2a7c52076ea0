using System.Security.Cryptography;
using System.Text;

namespace Watchdog.Operator.Broker;

/// <summary>
/// Passwords and mosquitto 2.0 password_file lines. A line is what <c>mosquitto_passwd</c> 2.0
/// writes: <c>user:$7$&lt;iterations&gt;$&lt;salt&gt;$&lt;hash&gt;</c>, the hash PBKDF2-HMAC-SHA512
/// of the UTF-8 password over a random 12-byte salt, 64 bytes, salt and hash in base64
/// (mosquitto's src/password_mosq.c and apps/mosquitto_passwd/mosquitto_passwd.c; 101 iterations
/// is mosquitto_passwd's default). Written here rather than by running mosquitto_passwd, so a
/// password never appears on a command line (where ps shows it) and the machine that generates
/// the configuration needs no mosquitto.
/// </summary>
public static class MosquittoPassword
{
    public const int Iterations = 101;
    public const int SaltBytes = 12;
    public const int HashBytes = 64;

    /// <summary>A new password: 32 random bytes in base64url (43 characters, safe in files, shells and environment variables).</summary>
    public static string Generate() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The password_file line for <paramref name="user"/>, with a fresh salt.</summary>
    public static string Line(string user, string password) => Line(user, password, RandomNumberGenerator.GetBytes(SaltBytes), Iterations);

    /// <summary>The line with a given salt and iteration count (tests compare it with mosquitto_passwd's).</summary>
    public static string Line(string user, string password, byte[] salt, int iterations)
    {
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return $"{user}:$7${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
