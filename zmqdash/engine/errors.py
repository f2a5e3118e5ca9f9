"""The one exception type the engine hands to consumers."""


class EngineError(Exception):
    """A failed command, with a message written for the person at the keyboard."""
