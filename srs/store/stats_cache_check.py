"""``srs check`` of the statistics caches: each one against a fresh scan of the log, and their
triggers; ``--fix`` creates the triggers again and rebuilds the caches from the log."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from srs.domain.stats_sums import CURVE_COLUMNS, DAY_COLUMNS, continue_curve
from srs.store import curve_cache, stats_cache
from srs.store.schema import curve_bins, stats_days, stats_marks
from srs.store.stats_triggers import create_triggers, missing_triggers

__all__ = ["missing_triggers", "rebuild", "stale_caches"]


def _days_match(connection: Connection, tz: str, hour: int, last_review_id: int) -> bool:
    """Whether the answers per day of this rule are the sums of the reviews up to the mark."""
    keys = ["deck_id", "day"]
    fresh = stats_cache.scan_days(connection, tz, hour, 0, last_review_id)
    stored = stats_cache.stored_days(connection, tz, hour)
    return _same(fresh, stored, keys, DAY_COLUMNS, exact=True)


def _curve_matches(connection: Connection, last_review_id: int) -> bool:
    """Whether the curve's sums are those of the reviews up to the mark."""
    _fingerprint, parameters, rules = curve_cache.settings(connection)
    log = curve_cache.log_after(connection, 0, last_review_id)
    step = continue_curve(log, curve_cache.no_states(), parameters, rules) if len(log["card_id"]) else None
    names = ["deck_id", "k", "long_term", *CURVE_COLUMNS]
    stored_matrix = np.array(connection.execute(select(*(curve_bins.c[n] for n in names))).all(), dtype=np.float64).reshape(-1, len(names))
    stored = {name: stored_matrix[:, i] for i, name in enumerate(names)}
    fresh = step.sums if step is not None else {name: np.zeros(0) for name in names}
    return _same(fresh, stored, ["deck_id", "k", "long_term"], CURVE_COLUMNS, exact=False)


def _same(fresh: dict[str, np.ndarray], stored: dict[str, np.ndarray], keys: list[str], columns: tuple[str, ...], *, exact: bool) -> bool:
    """Whether two sets of sums hold the same rows (in any order) and values."""
    if len(fresh[keys[0]]) != len(stored[keys[0]]):
        return False

    def ordered(sums: dict[str, np.ndarray]) -> np.ndarray:
        matrix = np.stack([np.asarray(sums[name], dtype=np.float64) for name in [*keys, *columns]], axis=1)
        return matrix[np.lexsort(matrix[:, : len(keys)].T[::-1])] if len(matrix) else matrix

    a, b = ordered(fresh), ordered(stored)
    return bool(np.array_equal(a, b) if exact else np.allclose(a, b, rtol=1e-9, atol=1e-9))


def stale_caches(connection: Connection) -> list[str]:
    """The caches (named by their mark) whose sums differ from a fresh scan of the log."""
    fingerprint = curve_cache.settings(connection)[0]
    stale = []
    for name, last_review_id, stored_fingerprint in connection.execute(select(stats_marks.c.name, stats_marks.c.last_review_id, stats_marks.c.fingerprint)).all():
        if name == curve_cache.NAME:
            good = stored_fingerprint != fingerprint or _curve_matches(connection, int(last_review_id))  # settings changed: rebuilt when next used
        elif name.startswith("days "):
            _days, tz, hour = name.split(" ")
            good = _days_match(connection, tz, int(hour), int(last_review_id))
        else:
            good = False
        if not good:
            stale.append(str(name))
    return stale


def rebuild(connection: Connection) -> None:
    """Create the triggers again and rebuild every cache from the log (the next ``srs stats``
    rebuilds those of other zones and day-start hours when it needs them)."""
    rules = [name.split(" ")[1:] for name in connection.scalars(select(stats_marks.c.name)).all() if name.startswith("days ")]
    create_triggers(connection)
    stats_cache.forget_all(connection)
    connection.execute(stats_days.delete())
    for tz, hour in rules:
        stats_cache.refresh_days(connection, tz, int(hour))
    curve_cache.refresh_curve(connection)
