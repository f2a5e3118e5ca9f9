"""zmqdash: a terminal dashboard and command-line toolkit for ZeroMQ."""

__version__ = "0.1.0"
