"""Floor of ``srs optimize``: fsrs-rs-python's ``compute_parameters`` called directly.

Reads the log (card, time, rating) with raw sqlite3, builds the training items the way
fsrs-rs documents them (per card, reviews grouped by day; one item per review after the
first day holding the whole history before it; ``delta_t`` in days), and fits the 21
parameters. Prints each phase's time.

Usage: optimize.py DB [DAY_START_HOUR]
"""

import sqlite3
import sys
import time

from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview

DAY = 86_400_000_000
HOUR = 3_600_000_000


def items_of(rows, offset):
    items = []
    current = None
    history = []
    last_day = 0
    for card_id, reviewed_at, rating in rows:
        day = (reviewed_at - offset) // DAY
        if card_id != current:
            current, history, last_day = card_id, [], day
        delta = day - last_day
        history.append(FSRSReview(rating, delta))
        last_day = day
        if delta > 0:
            items.append(FSRSItem(list(history)))
    return items


def main() -> None:
    db = sys.argv[1]
    offset = (int(sys.argv[2]) if len(sys.argv) > 2 else 4) * HOUR
    t0 = time.perf_counter()
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = c.execute("SELECT card_id, reviewed_at, rating FROM reviews ORDER BY card_id, reviewed_at").fetchall()
    t1 = time.perf_counter()
    items = items_of(rows, offset)
    del rows
    t2 = time.perf_counter()
    fsrs = FSRS(list(DEFAULT_PARAMETERS))
    parameters = fsrs.compute_parameters(items)
    t3 = time.perf_counter()
    print(f"items={len(items)} read={t1 - t0:.2f}s build={t2 - t1:.2f}s fit={t3 - t2:.2f}s")
    print(" ".join(f"{p:.4f}" for p in parameters))


main()
