using System.CommandLine;
using Watchdog.Cli.Commands;
using Watchdog.Cli.Commands.Dr;
using Watchdog.Cli.Mqtt;
using Watchdog.Lab;
using Watchdog.Operator.Broker;
using Watchdog.Operator.Keys;
using Watchdog.Platform.Posix;

var root = new RootCommand("watchdogctl: status, events and signed commands for Watchdog clusters; the lab's demo and bench");
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(EventsCommand.Create());
foreach (var command in ControlCommands.Create())
{
    root.Subcommands.Add(command);
}

root.Subcommands.Add(KeysCommand.Create());
root.Subcommands.Add(BrokerCommand.Create());
root.Subcommands.Add(DrCommand.Create());
root.Subcommands.Add(SpofCommand.Create());
root.Subcommands.Add(EdgesCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(RackCommand.Create());
root.Subcommands.Add(HomeAssistantCommand.Create());
root.Subcommands.Add(ExporterCommand.Create());
root.Subcommands.Add(BenchCommand.Create());

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
}
catch (Exception ex) when (ex is BrokerUnreachableException or KeyFileException or FormatException or LabFailedException or UnusablePathException or BrokerConfigException)
{
    // Operator errors get one line, not a stack trace.
    Console.Error.WriteLine($"watchdogctl: {ex.Message}");
    return 2;
}
