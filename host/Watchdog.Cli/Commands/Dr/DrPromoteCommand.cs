using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Watchdog.Sites.Config;
using Watchdog.Sites.Ticket;

namespace Watchdog.Cli.Commands.Dr;

/// <summary>
/// `watchdogctl dr promote &lt;site&gt;`: manual site failover, as booth's <c>grant</c>. It grants
/// the DR group's ticket to the site in etcd and waits until that site's board holds it: the
/// holding site's board sees the grant at its next renewal, takes its active down (demotion, or
/// a fence when the active does not acknowledge) and releases the ticket; the promoted site's board
/// takes it after its acquire-after wait. A holding site that cannot be reached keeps the ticket
/// until its lease runs out (its board, cut off, stopped its active before that), unless the
/// operator states it is down with <c>--site-down</c> (booth's <c>-F</c>): then its lease is
/// revoked at once, with a warning, because if it is in fact running two sites run an active.
/// Exit codes: 0 the site holds the ticket; 1 not confirmed; 2 unusable input; 3 refused by etcd;
/// 4 the site did not take it in time.
/// </summary>
public static class DrPromoteCommand
{
    public static Command Create()
    {
        var site = new Argument<string>("site") { Description = "The site to run the DR group's active from" };
        var config = new Option<string>("--config", "-c") { Description = "The DR configuration file (JSON; docs/dr.md)", Required = true };
        var group = new Option<string?>("--group", "-g") { Description = "The DR group, when the site is in more than one manual group" };
        var siteDown = new Option<string?>("--site-down")
        {
            Description = "Your statement that the holding site is down (who checked, and how): its lease is revoked now instead of running out. Recorded in etcd",
        };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds to wait for the site to hold the ticket (default: twice lease + acquire-after, plus 30)" };
        var command = new Command("promote", "Manual site failover: grant a manual DR group's ticket to a site and wait until its board holds it")
        {
            site, config, group, siteDown, yes, timeout,
        };
        command.SetAction(async (result, ct) =>
        {
            string path = result.GetValue(config)!;
            if (DrCommand.Load(path) is not { } dr)
            {
                return DrCommand.ExitUnusable;
            }

            string target = result.GetValue(site)!;
            if (Pick(dr, path, target, result.GetValue(group)) is not { } timings)
            {
                return DrCommand.ExitUnusable;
            }

            SiteTicketOptions options = timings.ToOptions(dr.Cluster);
            using var grant = new TicketGrant(options);
            return await PromoteAsync(grant, options, result.GetValue(siteDown), result.GetValue(yes), result.GetValue(timeout), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static SiteTicketTimings? Pick(DrConfig dr, string path, string site, string? group)
    {
        if (dr.Sites.FirstOrDefault(s => s.Name == site) is not { Arbiter: false })
        {
            Console.Error.WriteLine($"watchdogctl: {path}: '{site}' is not a site that runs servers (sites: {string.Join(", ", dr.Sites.Where(s => !s.Arbiter).Select(s => s.Name))})");
            return null;
        }

        var groups = dr.TicketTimingsFor(site).Where(t => group is null || t.DrGroup == group).ToList();
        var manual = groups.Where(t => t.Failover == FailoverMode.Manual).ToList();
        if (manual.Count == 1)
        {
            return manual[0];
        }

        Console.Error.WriteLine(
            groups.Count == 0 ? $"watchdogctl: {path}: site '{site}' is in no DR group{(group is null ? "" : $" named '{group}'")}"
            : manual.Count == 0 ? $"watchdogctl: {path}: DR group(s) {string.Join(", ", groups.Select(g => g.DrGroup))} of site '{site}' fail over automatically: their ticket moves by itself (docs/dr.md); dr promote is for \"failover\": \"manual\""
            : $"watchdogctl: {path}: site '{site}' is in manual DR groups {string.Join(", ", manual.Select(g => g.DrGroup))}: name one with --group");
        return null;
    }

    private static async Task<int> PromoteAsync(TicketGrant grant, SiteTicketOptions options, string? siteDown, bool yes, int? timeoutSeconds, CancellationToken ct)
    {
        TicketView before;
        try
        {
            before = await grant.ReadAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            Console.Error.WriteLine($"watchdogctl: etcd ({string.Join(", ", options.Endpoints)}) did not answer: {e.Message}; without a majority of its members the ticket cannot move");
            return 3;
        }

        Console.WriteLine($"ticket {options.Ticket}: held by {before.Holder ?? "nobody"}, granted to {before.GrantedTo}{(before.GrantedByOperator ? "" : " (the preferred site, never granted by an operator)")}, epoch ceiling {before.Ceiling}");
        if (before.Holder == options.Site && before.GrantedTo == options.Site)
        {
            Console.WriteLine($"site {options.Site} already holds it: nothing to do");
            return 0;
        }

        string plan = siteDown is null
            ? $"grant ticket {options.Ticket} to site {options.Site}: {(before.Holder is { } h ? $"{h}'s board takes its active down and releases the ticket at its next renewal (within {options.RenewMs} ms; if {h} cannot be reached, when its lease runs out, {options.LeaseMs} ms at most), then " : "")}{options.Site}'s board takes it after {options.AcquireAfterMs} ms"
            : $"grant ticket {options.Ticket} to site {options.Site} and revoke {before.Holder ?? "the holder"}'s lease now, on your statement: \"{siteDown}\"";
        if (siteDown is not null && before.Holder is { } holder && holder != options.Site)
        {
            Console.Error.WriteLine($"WARNING: you state that site {holder} is down. Its lease is revoked now, so {options.Site} may start its active before {holder}'s board " +
                                    $"would have stopped its own. If {holder} is in fact running and cut off, BOTH sites will run an active (split brain) until it is fenced. Without --site-down, {options.Site} waits for {holder}'s lease to run out instead.");
        }

        if (!yes)
        {
            if (Console.IsInputRedirected)
            {
                Console.Error.WriteLine($"watchdogctl: refusing to {plan} without confirmation: add --yes");
                return 2;
            }

            if (!AnsiConsole.Confirm(plan + "?", defaultValue: false))
            {
                return 1;
            }
        }

        var started = Stopwatch.GetTimestamp();
        var granted = await grant.PromoteAsync(siteDown, ct).ConfigureAwait(false);
        if (!granted.Granted)
        {
            Console.Error.WriteLine($"watchdogctl: not granted: {granted.Detail}");
            return 3;
        }

        if (granted.Detail.Length > 0)
        {
            Console.Error.WriteLine($"watchdogctl: {granted.Detail}");
        }

        Console.WriteLine($"granted to {options.Site}; waiting for its board to hold the ticket ...");
        var bound = TimeSpan.FromSeconds(timeoutSeconds ?? ((2 * (options.LeaseMs + options.AcquireAfterMs) / 1000) + 30));
        string? lastHolder = before.Holder;
        while (Stopwatch.GetElapsedTime(started) < bound)
        {
            TicketView now;
            try
            {
                now = await grant.ReadAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
                continue;
            }

            if (now.Holder != lastHolder)
            {
                Console.WriteLine($"+{Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms: {(lastHolder is null ? "" : $"{lastHolder} released the ticket; ")}{(now.Holder is null ? "nobody holds it" : $"{now.Holder} holds it")}");
                lastHolder = now.Holder;
            }

            if (now.Holder == options.Site)
            {
                Console.WriteLine($"site {options.Site} holds ticket {options.Ticket} after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms (epoch ceiling {now.Ceiling}); its board grants the group's active next");
                return 0;
            }

            // etcd has no push for a lease running out that this loop could wait on more cheaply than a read.
            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        Console.Error.WriteLine($"watchdogctl: site {options.Site} did not take the ticket within {bound.TotalSeconds:0} s (holder: {lastHolder ?? "nobody"}). The grant stays: its board takes the ticket once its members are ready (is its board running with --dr? watchdogctl status)");
        return 4;
    }
}
