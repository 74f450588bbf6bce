"""Floor of ``srs stats curve``: the forgetting curve from the log in one raw sqlite3 query.

For every review with a previous one: elapsed days t, the stability S after the previous
review (a window function over the card's log), recalled = rating > 1; binned by log-spaced
t, with the FSRS-6 prediction R(t, S) = (1 + F t / S)^-D summed per bin and the log loss.

Usage: curve.py DB DECAY
"""

import sqlite3
import sys

QUERY = """
WITH r AS (
    SELECT elapsed_days AS t, rating > 1 AS y,
           LAG(stability) OVER (PARTITION BY card_id ORDER BY reviewed_at) AS s
    FROM reviews
), p AS (
    SELECT t, y, min(max(pow(1.0 + :f * t / s, -:d), 1e-6), 1 - 1e-6) AS pr FROM r
    WHERE s > 0 AND t > 0
)
SELECT CAST(floor(ln(t * 1440) / ln(:base)) AS INTEGER) AS bin, count(*), sum(y), sum(pr),
       -sum(y * ln(pr) + (1 - y) * ln(1 - pr))
FROM p GROUP BY bin ORDER BY bin
"""


def main() -> None:
    db, decay = sys.argv[1], float(sys.argv[2])
    factor = 0.9 ** (1.0 / -decay) - 1.0
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = c.execute(QUERY, {"f": factor, "d": decay, "base": 1.5}).fetchall()
    n = sum(row[1] for row in rows)
    loss = sum(row[4] for row in rows) / max(n, 1)
    rmse = (sum((row[2] - row[3]) ** 2 / row[1] for row in rows) / max(n, 1)) ** 0.5
    for row in rows:
        print(*row, sep="\t")
    print(f"reviews={n} logloss={loss:.4f} rmse_bins={rmse:.4f}")


main()
