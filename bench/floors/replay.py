"""Floor of a read-only command: the exact SQL it sent to SQLite, replayed with raw sqlite3.

The statements were recorded by ``bench/sql_trace.py`` (bound values filled in); each is run
on a read-only connection to the same file and all its rows are fetched. Transaction control
is kept; writes (none expected from a read-only command) are skipped and counted.

Usage: replay.py TRACE.json DB
"""

import json
import sqlite3
import sys

SKIP = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        statements = json.load(handle)
    connection = sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True, isolation_level=None)
    rows = skipped = 0
    for statement in statements:
        head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if head in SKIP or head == "PRAGMA" and "=" in statement:
            skipped += 1
            continue
        try:
            rows += len(connection.execute(statement).fetchall())
        except sqlite3.OperationalError as error:
            if "transaction" not in str(error):
                raise
    print(f"statements={len(statements)} rows={rows} skipped={skipped}")


main()
