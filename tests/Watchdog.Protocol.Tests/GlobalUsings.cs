// The namespaces nearly every test here reads: the protocol's own and the generators.
global using System.Text;
global using CsCheck;
global using Watchdog.Protocol.Json;
global using Watchdog.Protocol.Messages;
global using Watchdog.Protocol.Signing;
global using Watchdog.Protocol.Topics;
global using Watchdog.Protocol.Wire;
