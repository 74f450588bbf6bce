"""Numbers as srs writes them for people, one spelling for the terminal and the HTML report alike:
a rate as a percent, a time spent as ``1h 05m``, a span of days as answer buttons show it."""

from __future__ import annotations

from srs.timeutil import format_interval

SECONDS_PER_DAY = 86_400


def percent(value: float | None, digits: int = 1) -> str:
    """``91.2%``; ``—`` when there is nothing to measure (no reviews yet)."""
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def duration(ms: int) -> str:
    """Time spent: ``1h 05m``, ``12m 30s``, ``45s``."""
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def days_text(days: float) -> str:
    """A span of fractional days the way answer buttons show it (``10m``, ``3d``, ``2.1mo``)."""
    return format_interval(days * SECONDS_PER_DAY)


def span_text(days: float) -> str:
    """A bin edge of the forgetting curve, two significant digits: ``5.6s``, ``18m``, ``1.3d``, ``2.5mo``."""
    seconds = days * SECONDS_PER_DAY
    for size, unit in ((365 * SECONDS_PER_DAY, "y"), (30 * SECONDS_PER_DAY, "mo"), (SECONDS_PER_DAY, "d"), (3_600, "h"), (60, "m"), (1, "s")):
        if seconds >= size or unit == "s":
            value = seconds / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    raise AssertionError("unreachable")
