"""Tables as rows for ``srs export --json`` / ``srs import-json``: streamed out, bulk in.

Every table of the models (``Base.metadata``, in foreign-key order, so a table added by a
future migration is carried too), each row as a list of plain column values in primary-key
order. Reading streams in chunks (server-side cursors on PostgreSQL), so memory stays flat
for millions of reviews; writing inserts in batches with the ids as given, then moves
PostgreSQL's id sequences past them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Integer, String, Table, Text, delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session

from srs.errors import CollectionError
from srs.store.models import Base, Card, Deck, ImportRoot, Preset, Review, Setting, Source, UTCDateTime

CHUNK = 5000

# What a column holds, for the JSON side: time (ISO 8601), bool, int, float, text, json.
KINDS = ("time", "bool", "int", "float", "text", "json")


def tables() -> list[Table]:
    """Every table of the collection, parents before children (not the statistics caches:
    derived from the log, they are rebuilt where the log arrives)."""
    return [table for table in Base.metadata.sorted_tables if not table.info.get("derived")]


def table_named(name: str) -> Table | None:
    table = Base.metadata.tables.get(name)
    return None if table is None or table.info.get("derived") else table


def column_kind(column: Any) -> str:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "time"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, (Integer, BigInteger)):
        return "int"
    if isinstance(kind, Float):
        return "float"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, (String, Text)):
        return "text"
    raise AssertionError(f"column {column} has a type the JSON transfer does not know: {kind!r}")


def columns(table: Table) -> list[tuple[str, str, bool]]:
    """``(name, kind, nullable)`` of each column, in table order."""
    return [(c.name, column_kind(c), bool(c.nullable)) for c in table.columns]


def integer_range(table: Table, name: str) -> tuple[int, int]:
    """The values an integer column holds on every backend: 64-bit for ``BigInteger``, else
    32-bit (PostgreSQL's ``integer``; SQLite would take 64 bits, but the collection must move)."""
    bits = 64 if isinstance(table.columns[name].type, BigInteger) else 32
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def snapshot(session: Session) -> None:
    """Make the reads of ``session`` one consistent snapshot (PostgreSQL: REPEATABLE READ;
    SQLite's read transaction already is one under WAL). Call before any other statement."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def row_count(session: Session, table: Table) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def stream_rows(session: Session, table: Table) -> Iterator[Sequence[Any]]:
    """Every row of ``table`` in primary-key order, fetched a chunk at a time."""
    stmt = select(*table.columns).order_by(*table.primary_key.columns)
    result = session.execute(stmt, execution_options={"stream_results": True, "yield_per": CHUNK})
    for partition in result.partitions():
        yield from partition


def content_counts(session: Session) -> dict[str, int]:
    """Rows per table that hold a user's data (presets and settings aside)."""
    return {model.__table__.name: row_count(session, model.__table__) for model in (Deck, ImportRoot, Source, Card, Review)}


def clear_replaceable(session: Session) -> None:
    """Remove what an empty collection holds anyway (the default preset, settings), so the
    imported ones take their place with their own ids."""
    session.execute(delete(Setting))
    session.execute(delete(Preset))


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]], *, where: str) -> None:
    """Insert ``rows`` (ids as given); a database refusal becomes a :class:`CollectionError`."""
    if not rows:
        return
    try:
        session.execute(insert(table), rows)
    except (IntegrityError, StatementError, DBAPIError) as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise CollectionError(f"{where}: the database refused rows of table {table.name}: {detail}") from None


def move_sequences_past_ids(session: Session) -> None:
    """PostgreSQL: set each id sequence past the largest id (rows were inserted with ids)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or keys[0].autoincrement is False:
            continue
        column = keys[0]
        sequence = session.execute(text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name}).scalar()
        if sequence is None:
            continue
        largest = session.execute(select(func.max(column))).scalar()
        if largest is None:
            session.execute(text("SELECT setval(CAST(:sequence AS regclass), 1, false)"), {"sequence": sequence})
        else:
            session.execute(text("SELECT setval(CAST(:sequence AS regclass), :value, true)"), {"sequence": sequence, "value": int(largest)})
