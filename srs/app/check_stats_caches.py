"""``srs check``: the statistics caches of ``srs stats`` against a fresh scan of the review log,
and the triggers that keep them honest (:mod:`srs.store.stats_cache_check`). The log is the
source of truth: a cache that differs from it, or a missing trigger, is repaired by rebuilding
the caches from the log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from srs.store.stats_cache_check import missing_triggers, rebuild, stale_caches
from srs.text import plural


class CacheProblem(NamedTuple):
    """A finding of ``srs check`` (its first five fields are :class:`srs.app.check.Finding`'s) and its repair."""

    kind: str
    number: int
    what: str
    repair: str
    examples: list[str]
    fix: Callable[[], None]


def cache_problems(session: Any, report: Callable[[CacheProblem], object]) -> None:
    """Report what is wrong with the statistics caches, each with its repair (run under ``--fix``)."""
    connection = session.connection()
    problems = []
    missing = missing_triggers(connection)
    if missing:
        problems.append(
            CacheProblem(
                "stats_trigger", len(missing), f"{plural(len(missing), 'statistics cache trigger')} missing (the caches would miss an undo or an edit of the log)",
                "create them again and rebuild the caches from the log", missing, lambda: rebuild(connection),
            )
        )
    stale = stale_caches(connection)
    if stale:
        problems.append(
            CacheProblem(
                "stats_cache", len(stale), f"{plural(len(stale), 'statistics cache')} differing from the review log",
                "rebuild them from the log", stale, lambda: rebuild(connection),
            )
        )
    for problem in problems:
        report(problem)
