"""Value types for the sub-commands' numeric arguments, with the ranges of
:mod:`zmqdash.engine.limits`: a bad number is a usage error (exit 2) in plain words."""

from __future__ import annotations

import argparse

from ..engine import limits
from ..engine.errors import EngineError


def count(text: str) -> int:
    """``--count N``: a whole number of messages, at least 1."""
    try:
        return limits.whole_number(text, *limits.COUNT)
    except EngineError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seconds(text: str) -> float:
    """``--timeout S``: seconds above 0, at most a year."""
    try:
        return limits.seconds(text)
    except EngineError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
