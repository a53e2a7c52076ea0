namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// Whose words a key may sign. A verifier looks the role up by key id and refuses a message
    /// whose kind that role may not sign: a node key cannot sign a grant, an operator key cannot
    /// sign a node's acknowledgement, a board key cannot sign a node's state.
    /// </summary>
    public enum KeyRole
    {
        /// <summary>Signed commands (command/&lt;target&gt;).</summary>
        Operator = 0,

        /// <summary>What a board publishes: grants, requests, roles, readings, its state, command acks. The owner is the board's name.</summary>
        Board = 1,

        /// <summary>What one agent publishes: its state and grant acknowledgements. The owner is the node's name.</summary>
        Node = 2,
    }
}
