"""The one exception type the engine hands to consumers."""


class EngineError(Exception):
    """A failed command, with a message written for the person at the keyboard."""


class PeerUnreachable(EngineError):
    """A ROUTER message for an identity that no connected peer has (router_mandatory)."""
