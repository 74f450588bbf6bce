"""Record the SQL an ``srs`` command sends to SQLite, for the floor that replays it raw.

``python -m bench.sql_trace OUT.json ARGS...`` runs ``srs ARGS...`` in this process with a
trace callback on every SQLite connection SQLAlchemy opens (``sqlite3``'s trace callback
hands over each statement with its bound values filled in, including statements run on the
raw DBAPI cursor), and writes the statements, in order, to OUT.json.
``bench/floors/replay.py`` then runs exactly those statements with plain ``sqlite3`` and
fetches every row: the database work of the command without SQLAlchemy, numpy or rendering.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def main(argv: list[str]) -> int:
    out, args = argv[0], argv[1:]
    statements: list[str] = []

    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        if hasattr(dbapi_connection, "set_trace_callback"):
            dbapi_connection.set_trace_callback(statements.append)

    event.listen(Pool, "connect", on_connect)
    from srs.cli import main as srs_main

    code = 0
    try:
        srs_main(args, prog_name="srs", standalone_mode=False)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(statements, handle)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
