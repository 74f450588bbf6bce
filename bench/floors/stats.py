"""Floor of ``srs stats``: the overview's figures as raw sqlite3 aggregates.

Counts by state, reviews today, study days (streak), true retention over six windows split
young/mature, the 30-day due forecast, the 26-week heatmap, and the retrievability of every
card now (histogram, mean, the 10 most at risk), all computed in SQL.

Usage: stats.py DB NOW_MICROS DECAY
"""

import sqlite3
import sys

DAY = 86_400_000_000


def main() -> None:
    db, now, decay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    factor = 0.9 ** (1.0 / -decay) - 1.0
    today = now - now % DAY
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = []
    out.append(c.execute(
        "SELECT state, suspended, retired_at IS NOT NULL, count(*) FROM cards GROUP BY 1, 2, 3").fetchall())
    out.append(c.execute(
        "SELECT count(*), coalesce(sum(duration_ms), 0) FROM reviews WHERE reviewed_at >= ?", (today,)).fetchall())
    out.append(len(c.execute(
        "SELECT DISTINCT reviewed_at / ? FROM reviews ORDER BY 1 DESC", (DAY,)).fetchall()))
    windows = {"today": today, "yesterday": today - DAY, "7d": now - 7 * DAY, "30d": now - 30 * DAY,
               "365d": now - 365 * DAY, "all": 0}
    columns = []
    for name, start in windows.items():
        end = today if name == "yesterday" else now + DAY
        for young in (1, 0):
            maturity = "last_interval_days < 21" if young else "last_interval_days >= 21"
            for passed in ("rating > 1", "rating = 1"):
                columns.append(
                    f"sum(reviewed_at >= {start} AND reviewed_at < {end} AND ({maturity}) AND {passed})")
    out.append(c.execute(
        f"SELECT {', '.join(columns)} FROM reviews WHERE state_before = 2 OR last_interval_days >= 1").fetchall())
    out.append(c.execute(
        "SELECT (due - ?) / ?, count(*) FROM cards WHERE state != 0 AND retired_at IS NULL AND NOT suspended "
        "AND due < ? GROUP BY 1", (today, DAY, today + 30 * DAY)).fetchall())
    out.append(c.execute(
        "SELECT reviewed_at / ?, count(*) FROM reviews WHERE reviewed_at >= ? GROUP BY 1",
        (DAY, today - 182 * DAY)).fetchall())
    r = "pow(1.0 + :f * max(:now - last_review, 0) / 86400000000.0 / stability, -:d)"
    params = {"f": factor, "now": now, "d": decay}
    base = "FROM cards WHERE state != 0 AND stability > 0 AND retired_at IS NULL"
    out.append(c.execute(f"SELECT min(CAST({r} * 20 AS INTEGER), 19), count(*) {base} GROUP BY 1", params).fetchall())
    out.append(c.execute(f"SELECT avg({r}) {base}", params).fetchall())
    out.append(c.execute(f"SELECT id, {r} AS r {base} ORDER BY r LIMIT 10", params).fetchall())
    for item in out:
        print(item)


main()
