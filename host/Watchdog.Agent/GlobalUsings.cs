// The agent speaks the board's protocol in most of its files: its messages, topics, wire words,
// codec and seals are imported once here rather than at the top of each file.
global using Watchdog.Protocol.Json;
global using Watchdog.Protocol.Messages;
global using Watchdog.Protocol.Signing;
global using Watchdog.Protocol.Topics;
global using Watchdog.Protocol.Wire;
