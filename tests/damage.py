"""Planting damage in a collection for ``srs check`` tests: raw SQL, foreign keys off.

On SQLite a plain connection (SQLite leaves foreign keys off unless asked); on PostgreSQL
``session_replication_role = replica``, which skips the foreign-key triggers (the test
server's user is a superuser). Statements take bound parameters like any other SQL.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa

from srs.store.collection import resolve_url


def plant(db_url: str, *statements: tuple[str, dict[str, Any]] | str) -> None:
    """Run ``statements`` (SQL text, or (SQL text, parameters)) with foreign keys off."""
    engine = sa.create_engine(resolve_url(db_url))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            else:
                connection.exec_driver_sql("SET session_replication_role = replica")
            for statement in statements:
                sql, params = (statement, {}) if isinstance(statement, str) else statement
                connection.execute(sa.text(sql), params)
    finally:
        engine.dispose()


def query(db_url: str, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(resolve_url(db_url))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params or {})]
    finally:
        engine.dispose()


def integrity(path: str) -> list[str]:
    """``PRAGMA integrity_check``'s lines, or the error that stopped it (a damaged page)."""
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    finally:
        connection.close()


def corrupt_index(path: str, index: str) -> None:
    """Flip bits in the cell area of an SQLite index's root page: entries no longer match
    their rows (``row N missing from index``), which REINDEX repairs."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = connection.execute("select rootpage from sqlite_master where name = ?", (index,)).fetchone()[0]
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    offset = (root - 1) * page_size + page_size - 200
    with open(path, "r+b") as handle:
        handle.seek(offset)
        data = bytearray(handle.read(100))
        for position in range(0, 100, 10):
            data[position] ^= 0x01
        handle.seek(offset)
        handle.write(data)


def corrupt_table(path: str, table: str) -> None:
    """Point the cells of a leaf page of ``table`` outside the page (SQLite's b-tree):
    ``PRAGMA integrity_check`` reports it, reading the table fails with "database disk image
    is malformed", and no REINDEX repairs it (the rows themselves are lost)."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = connection.execute("select rootpage from sqlite_master where name = ?", (table,)).fetchone()[0]
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    with open(path, "r+b") as handle:
        while True:  # down the left-most children to a leaf
            handle.seek((page - 1) * page_size)
            data = bytearray(handle.read(page_size))
            if data[0] != 0x05:  # not an interior table page: a leaf (0x0d)
                break
            first_cell = int.from_bytes(data[12:14], "big")
            page = int.from_bytes(data[first_cell : first_cell + 4], "big")
        cells = int.from_bytes(data[3:5], "big")
        data[8 : 8 + 2 * min(cells, 16)] = b"\xff" * (2 * min(cells, 16))
        handle.seek((page - 1) * page_size)
        handle.write(data)
