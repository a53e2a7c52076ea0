using System.Diagnostics;

namespace Watchdog.Board.Tests.Support;

/// <summary>A throw-away CA and a broker certificate for 127.0.0.1, made with the openssl command line.</summary>
internal static class TestCertificates
{
    public static (string CaPem, string ServerPem, string ServerKey) Create(TempDirectory dir, string name)
    {
        string ca = dir.File(name + "-ca.pem");
        string caKey = dir.File(name + "-ca.key");
        string csr = dir.File(name + "-server.csr");
        string server = dir.File(name + "-server.pem");
        string serverKey = dir.File(name + "-server.key");
        string ext = dir.File(name + "-ext.cnf");
        File.WriteAllText(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        Run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "2", "-subj", "/CN=" + name + "-test-ca");
        Run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", serverKey, "-out", csr, "-subj", "/CN=127.0.0.1");
        Run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", server, "-days", "2", "-extfile", ext);
        return (ca, server, serverKey);
    }

    private static void Run(params string[] args)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("openssl " + string.Join(' ', args) + " failed: " + err);
        }
    }
}
