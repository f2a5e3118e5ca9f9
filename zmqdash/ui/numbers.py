"""Short forms of counts and rates for narrow panels."""

from __future__ import annotations


def count(n: float) -> str:
    """``999``, ``12.3k``, ``4.56M``: at most five characters for realistic counts."""
    n = float(n)
    if n < 10_000:
        return f"{n:.0f}" if n == int(n) or n >= 100 else f"{n:.1f}"
    for unit, size in (("k", 1e3), ("M", 1e6), ("G", 1e9)):
        value = n / size
        if value < 999.5:
            return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{n / 1e12:.0f}T"


def size(n: int) -> str:
    """Bytes, shortly: ``512B``, ``1.5K``, ``77M``."""
    if n < 1024:
        return f"{n}B"
    value = float(n)
    for unit in "KMGT":
        value /= 1024
        if value < 999.5:
            return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{value:.0f}P"
