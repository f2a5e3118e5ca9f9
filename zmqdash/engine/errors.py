"""The one exception type the engine hands to consumers."""


class EngineError(Exception):
    """A failed command, with a message written for the person at the keyboard."""

    #: the message is in a log already (a device's), so the engine does not log it again
    logged = False


class PeerUnreachable(EngineError):
    """A ROUTER message for an identity that no connected peer has (router_mandatory)."""
