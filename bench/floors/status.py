"""Floor of ``srs status``: the per-deck counts in one raw sqlite3 query.

Usage: status.py DB NOW_MICROS DAY_END_MICROS
"""

import sqlite3
import sys

QUERY = """
SELECT d.name,
       coalesce(sum(c.retired_at IS NULL), 0),
       coalesce(sum(c.retired_at IS NULL AND c.state = 0 AND NOT c.suspended), 0),
       coalesce(sum(c.retired_at IS NULL AND c.state IN (1, 3) AND NOT c.suspended), 0),
       coalesce(sum(c.retired_at IS NULL AND NOT c.suspended
                    AND (c.buried_until IS NULL OR c.buried_until <= :now)
                    AND c.state != 0 AND c.due < :day_end), 0),
       coalesce(sum(c.retired_at IS NULL AND c.suspended), 0),
       min(CASE WHEN c.retired_at IS NULL AND NOT c.suspended
                     AND (c.buried_until IS NULL OR c.buried_until <= :now)
                     AND c.state != 0 AND c.due > :now THEN c.due END)
FROM decks d LEFT JOIN cards c ON c.deck_id = d.id
GROUP BY d.id, d.name ORDER BY d.name
"""


def main() -> None:
    db, now, day_end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    connection.execute("PRAGMA query_only = ON")
    connection.execute("SELECT name FROM presets WHERE name = 'Default'").fetchall()
    for row in connection.execute(QUERY, {"now": now, "day_end": day_end}):
        print(*row, sep="\t")


main()
