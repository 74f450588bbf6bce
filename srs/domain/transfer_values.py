"""What each value of an ``srs export --json`` file may be, checked before ``import-json``
writes it: the type of its column, the range the column holds on every backend, and what it
means (a rating is 1-4, a state 0-3, a count is not negative, a time has a UTC offset and lies
in the range srs stores, a number is finite). A file a hand or another tool edited is refused
with the place of the value (``tables.reviews.rows[3].rating``) rather than accepted and later
reported by ``srs check``.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from srs.text import clipped
from srs.timeutil import EARLIEST_TIME, LATEST_TIME, UTC, storable


class BadValue(ValueError):
    """A value of the file that its column cannot hold; the message says why."""


# What a value means, beyond its type (the database would take any integer).
_RATINGS = {1: "again", 2: "hard", 3: "good", 4: "easy"}
_STATES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}
_CHOICES: dict[tuple[str, str], tuple[str, dict[int, str]]] = {
    ("reviews", "rating"): ("rating", _RATINGS),
    ("reviews", "state"): ("state", _STATES),
    ("reviews", "state_before"): ("state", _STATES),
    ("cards", "state"): ("state", _STATES),
}
_NON_NEGATIVE = frozenset(
    {("reviews", "duration_ms"), ("reviews", "step"), ("cards", "step"), ("cards", "reps"), ("cards", "lapses"), ("sources", "size")}
)


def _one_of(what: str, value: int, names: dict[int, str]) -> str:
    shown = [f"{number} ({name})" for number, name in names.items()]
    return f"{what} {value} is not {', '.join(shown[:-1])} or {shown[-1]}"


def _load_int(value: Any, where: tuple[str, str], limits: tuple[int, int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue(f"expected a whole number, got {clipped(value)}")
    low, high = limits
    if not low <= value <= high:
        raise BadValue(f"{value} is out of range ({low} to {high})")
    if where in _CHOICES and value not in _CHOICES[where][1]:
        raise BadValue(_one_of(_CHOICES[where][0], value, _CHOICES[where][1]))
    if where in _NON_NEGATIVE and value < 0:
        raise BadValue(f"{value} is negative")
    return value


def _load_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise BadValue(f"expected an ISO 8601 time, got {clipped(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadValue(f"expected an ISO 8601 time, got {clipped(value)}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadValue(f"time {clipped(value)} has no UTC offset")
    try:
        moment = parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-01:00 is past year 9999 in UTC
        moment = None
    if moment is None or not storable(moment):
        raise BadValue(f"time {clipped(value)} is outside the years {EARLIEST_TIME.year} to {LATEST_TIME.year - 1}")
    return moment


def load_value(kind: str, value: Any, nullable: bool, where: tuple[str, str] = ("", ""), limits: tuple[int, int] = (-(2**63), 2**63 - 1)) -> Any:
    """``value`` from the file as column ``where`` (table, column) of ``kind`` holds it, or
    :class:`BadValue` saying why it cannot be (type, range, meaning)."""
    if value is None:
        if not nullable:
            raise BadValue("must not be null")
        return None
    if kind == "time":
        return _load_time(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise BadValue(f"expected true or false, got {clipped(value)}")
        return value
    if kind == "int":
        return _load_int(value, where, limits)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadValue(f"expected a number, got {clipped(value)}")
        if not math.isfinite(value):
            raise BadValue(f"{json.dumps(value)} is not a finite number")
        return float(value)
    if kind == "text":
        if not isinstance(value, str):
            raise BadValue(f"expected text, got {clipped(value)}")
        return value
    return value  # json: anything JSON
