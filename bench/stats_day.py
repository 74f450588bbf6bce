"""A day of reviews appended to a benchmark collection, for the daily ``srs stats`` rows.

``srs stats`` keeps what its charts need between calls (the statistics caches), so the realistic
case is not the first call on a collection but the next day's: the caches were brought up to date
by yesterday's call, and a day of answers has come in since. :func:`append_day` adds that day
with raw ``sqlite3`` (untimed, before each measured run): ``count`` cards answered once more, each
row a continuation of the card's newest review (its state before is that review's state after,
its elapsed time and last interval follow from it), one second apart after the newest review of
the collection, ratings drawn 10/10/70/10 as the review loop's.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

MICROS_PER_DAY = 86_400_000_000
COLUMNS = "card_id, rating, reviewed_at, duration_ms, state_before, state, step, stability, difficulty, due, elapsed_days, last_interval_days, scheduled_days"


def append_day(db: Path, count: int, seed: int) -> int:
    """Append ``count`` answers (of distinct reviewed cards) to ``db``; returns how many."""
    rng = random.Random(seed)
    connection = sqlite3.connect(db)
    try:
        newest = connection.execute("SELECT max(reviewed_at) FROM reviews").fetchone()[0] or 0
        cards = [row[0] for row in connection.execute("SELECT id FROM cards WHERE state != 0 AND last_review IS NOT NULL")]
        rows = []
        for i, card_id in enumerate(rng.sample(cards, min(count, len(cards)))):
            last = connection.execute(
                "SELECT reviewed_at, state, stability, difficulty, scheduled_days FROM reviews WHERE card_id = ? AND rating > 0"
                " ORDER BY reviewed_at DESC, id DESC LIMIT 1",
                (card_id,),
            ).fetchone()
            if last is None:
                continue
            at = newest + (i + 1) * 1_000_000
            rating = rng.choices((1, 2, 3, 4), weights=(10, 10, 70, 10))[0]
            state = 3 if rating == 1 else 2
            rows.append((card_id, rating, at, 6_000, last[1], state, None, last[2], last[3], at + MICROS_PER_DAY,
                         (at - last[0]) / MICROS_PER_DAY, last[4], 1.0))
        connection.executemany(f"INSERT INTO reviews ({COLUMNS}) VALUES ({', '.join('?' * 13)})", rows)
        connection.commit()
    finally:
        connection.close()
    return len(rows)


def forget_caches(db: Path) -> None:
    """Delete the statistics caches' marks: the next ``srs stats`` rebuilds them from the log (the cold case)."""
    connection = sqlite3.connect(db)
    try:
        connection.execute("DELETE FROM stats_marks")
        connection.commit()
    finally:
        connection.close()
