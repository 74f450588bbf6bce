"""Time: every datetime is timezone-aware UTC; "today" is a study day in the user's zone.

A study day starts at ``day_start_hour`` local time (04:00 by default, as in Anki), so a
review at 01:30 still belongs to the previous day. All arithmetic on local wall-clock time
goes through :mod:`zoneinfo`, so DST changes never shift a day boundary or skip a day.
"""

from __future__ import annotations

import operator
import os
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from srs.errors import ConfigError, DamagedError

UTC = timezone.utc


def utc_now() -> datetime:
    """The current instant, UTC-aware. Only the CLI layer calls this; domain code takes ``now``."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC (py-fsrs demands ``tzinfo is timezone.utc``)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} where a timezone-aware one is required")
    return value.astimezone(UTC)


def to_micros(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact, no float rounding)."""
    delta = as_utc(value) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    """The UTC datetime ``value`` microseconds after the Unix epoch.

    Every stored time passes through here, so a value that is not a whole number of
    microseconds (text written into the database by hand, say) is reported as damage,
    :class:`DamagedError` (one error line pointing at ``srs check``), not a crash.
    """
    try:
        micros = operator.index(value)  # int, numpy integers
    except TypeError:
        if not (isinstance(value, float) and value.is_integer()):
            raise _damaged(value) from None
        micros = int(value)
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise _damaged(value) from None


def _damaged(value: object) -> DamagedError:
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return DamagedError(f"the collection is damaged: a time is stored as {shown}; run srs check to find and repair it")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The times srs stores: from the Unix epoch to the end of 2199. Every due date srs computes
# (now plus at most the longest interval, 100 years) lies inside for the next 170 years, and
# a time past it (9999-12-31 from a hand-edited file) would overflow the scheduler's date
# arithmetic. ``import-json`` refuses, ``import-revlog`` skips, ``srs check`` repairs a time
# outside; :func:`storable` is the one test.
EARLIEST_TIME = _EPOCH
LATEST_TIME = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive


def storable(value: datetime) -> bool:
    """Whether ``value`` (aware) lies in the range of times srs stores (see above)."""
    return EARLIEST_TIME <= value < LATEST_TIME


def system_timezone_name() -> str:
    """The IANA name of this machine's zone (``TZ``, then ``/etc/localtime``), else ``UTC``."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env and is_timezone(env):
        return env
    try:
        target = Path("/etc/localtime").resolve()
        parts = target.parts
        if "zoneinfo" in parts:
            name = "/".join(parts[parts.index("zoneinfo") + 1 :])
            if is_timezone(name):
                return name
    except OSError:
        pass
    return "UTC"


def is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str) -> ZoneInfo:
    """The zone called ``name``, or a :class:`ConfigError` naming a few close matches."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = sorted(z for z in available_timezones() if name.lower() in z.lower())[:5]
        hint = f" (did you mean {', '.join(close)}?)" if close else " (use an IANA name such as Asia/Shanghai)"
        raise ConfigError(f"unknown time zone {name!r}{hint}") from None


def study_day(now: datetime, tz_name: str, day_start_hour: int) -> date:
    """The study day ``now`` falls in: the local date, shifted back before ``day_start_hour``."""
    local = as_utc(now).astimezone(zone(tz_name))
    if local.hour < day_start_hour:
        return local.date() - timedelta(days=1)
    return local.date()


def day_start(day: date, tz_name: str, day_start_hour: int) -> datetime:
    """The UTC instant study day ``day`` begins (``day_start_hour`` local time on that date).

    In a DST gap the wall-clock hour does not exist; ``fold=0`` maps it to the instant just
    after the gap, which is when the clocks show the next valid time.
    """
    tz = zone(tz_name)
    local = datetime.combine(day, time(hour=day_start_hour), tzinfo=tz)
    # Round-trip through UTC to normalise a non-existent (gap) wall time.
    return local.astimezone(UTC).astimezone(tz).astimezone(UTC)


def day_bounds(now: datetime, tz_name: str, day_start_hour: int) -> tuple[datetime, datetime]:
    """UTC ``[start, end)`` of the study day containing ``now``; 23 or 25 hours long across DST."""
    today = study_day(now, tz_name, day_start_hour)
    return day_start(today, tz_name, day_start_hour), day_start(today + timedelta(days=1), tz_name, day_start_hour)


def next_day_start(now: datetime, tz_name: str, day_start_hour: int) -> datetime:
    """When tomorrow's study day begins, in UTC (used for burying until tomorrow)."""
    return day_bounds(now, tz_name, day_start_hour)[1]


def format_interval(seconds: float) -> str:
    """A short human interval as Anki shows it on answer buttons: ``<1m``, ``10m``, ``3h``, ``8d``, ``2.1mo``, ``1.5y``."""
    if seconds < 60:
        return "<1m"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"
