"""Floor of the review loop: per card, in raw sqlite3, what an answer must do.

The queue of due cards is built once (as a session does; not in the per-card time); then per
card: read it by id, write its new state, append the log row and commit (WAL,
synchronous=NORMAL, as the collection is opened), N times. The scheduling arithmetic is not
in the floor. Prints per-card times (ms) as JSON.

Usage: review.py DB NOW_MICROS N
"""

import json
import sqlite3
import sys
import time

DAY = 86_400_000_000


def main() -> None:
    db, now, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("PRAGMA synchronous = NORMAL")
    c.execute("PRAGMA foreign_keys = ON")
    queue = [row[0] for row in c.execute(
        "SELECT id FROM cards WHERE state != 0 AND due < ? AND retired_at IS NULL AND NOT suspended "
        "ORDER BY due LIMIT ?",
        (now + DAY, count),
    )]
    times = []
    for next_id in queue:
        start = time.perf_counter()
        c.execute("BEGIN IMMEDIATE")
        row = c.execute(
            "SELECT id, state, stability, difficulty, due, reps FROM cards WHERE id = ?", (next_id,)
        ).fetchone()
        card_id, state, stability, difficulty, due, reps = row
        new_due = now + 10 * DAY
        c.execute(
            "UPDATE cards SET due = ?, last_review = ?, reps = ?, updated_at = ? WHERE id = ?",
            (new_due, now, reps + 1, now, card_id),
        )
        c.execute(
            "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, state_before, state, step, "
            "stability, difficulty, due, elapsed_days, last_interval_days, scheduled_days) "
            "VALUES (?, 3, ?, 5000, ?, 2, NULL, ?, ?, ?, 1.0, 1.0, 10.0)",
            (card_id, now, state, stability, difficulty, new_due),
        )
        c.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps(times))


main()
