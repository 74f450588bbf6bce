"""Floor of ``srs reschedule``: read every card's log and write every card, in raw sqlite3.

The I/O a reschedule cannot avoid: one ordered scan of the review log and one UPDATE per
card in one transaction (rolled back: the floor changes nothing). The FSRS arithmetic is not
in the floor; the report gives it separately.

Usage: reschedule.py DB
"""

import sqlite3
import sys


def main() -> None:
    c = sqlite3.connect(sys.argv[1], isolation_level=None)
    c.execute("BEGIN IMMEDIATE")
    updates = []
    current, reps, last = None, 0, 0
    for card_id, _rating, reviewed_at in c.execute(
        "SELECT card_id, rating, reviewed_at FROM reviews ORDER BY card_id, reviewed_at"
    ):
        if card_id != current:
            if current is not None:
                updates.append((reps, last, current))
            current, reps = card_id, 0
        reps += 1
        last = reviewed_at
    if current is not None:
        updates.append((reps, last, current))
    c.executemany("UPDATE cards SET reps = ?, last_review = ? WHERE id = ?", updates)
    c.execute("ROLLBACK")
    print(f"cards={len(updates)}")


main()
