"""Every earlier schema revision, filled with data, upgrades to head keeping every row; every
downgrade-upgrade round trip keeps the rows of the tables the older revision has.

Written against the revision list and the reflected tables, never a fixed schema: a revision
added later is covered without touching this file. Rows are generated from each reflected
column's type (ids, foreign keys pointing at real parent rows, unicode text, micros, JSON,
booleans both ways, NULLs), so a migration that drops or rewrites data shows up here. A
migration that changes values on purpose lists the affected (table, column) in
``CHANGED_ON_PURPOSE`` with the revision that does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from srs.store import migrations
from srs.store.collection import Collection

ROWS = 6
# (table, column) -> the revision whose upgrade rewrites it on purpose (none so far).
CHANGED_ON_PURPOSE: dict[tuple[str, str], str] = {}


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    return [script.revision for script in reversed(list(migrations.script_directory().walk_revisions()))]


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path, db_url: str) -> Iterator[Any]:
    """Makes collections without any table, on the backend of the run."""
    from conftest import BACKEND

    made: list[str] = []
    server = request.getfixturevalue("postgres_server") if BACKEND == "postgresql" else None

    def make(label: str) -> str:
        if server is not None:
            name = server.new_database(empty=True)
            made.append(name)
            return server.url(name)
        return str(tmp_path / f"{label}.db")

    yield make
    for name in made:
        server.drop_database(name)  # type: ignore[union-attr]


def _value(column: sa.Column[Any], table: str, row: int, parents: dict[str, int]) -> Any:
    """A value for ``column`` in row ``row`` (0-based): distinct per row, valid for its type."""
    kind = column.type
    if column.foreign_keys:
        parent = next(iter(column.foreign_keys)).column.table.name
        count = parents.get(parent, 0)
        if count == 0:
            return None
        return (row % count) + 1
    if column.primary_key and isinstance(kind, sa.Integer):
        return row + 1
    if column.nullable and row % 3 == 2:
        return None
    if isinstance(kind, sa.Boolean):
        return row % 2 == 0
    if isinstance(kind, sa.Integer):  # BigInteger too: micros, sizes, ids elsewhere
        return 1_767_000_000_000_000 + row * 1_000_003 if isinstance(kind, sa.BigInteger) else row * 7 + 1
    if isinstance(kind, (sa.Float, sa.Numeric)):
        return 0.5 + row * 1.25
    if isinstance(kind, sa.JSON):
        return [row, 0.5, "v"] if row % 2 else {"k": row}
    if isinstance(kind, sa.String):  # Text too
        text = f"{table[:3]}{column.name[:4]}{row}·中"
        length = getattr(kind, "length", None)
        return text[-length:] if length else text
    raise AssertionError(f"no test value for {table}.{column.name} of type {kind!r}: teach _value about it")


def _reflect(engine: sa.Engine) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    return metadata


def _fill(engine: sa.Engine) -> None:
    """ROWS generated rows in every table (parents first)."""
    metadata = _reflect(engine)
    parents: dict[str, int] = {}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [{c.name: _value(c, table.name, i, parents) for c in table.columns} for i in range(ROWS)]
            connection.execute(table.insert(), rows)
            parents[table.name] = ROWS
            keys = list(table.primary_key.columns)
            if engine.dialect.name == "postgresql" and len(keys) == 1 and isinstance(keys[0].type, sa.Integer):
                # Rows went in with their ids: move the id sequence past them, as an app insert would have.
                connection.execute(
                    sa.text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
                    {"table": table.name, "column": keys[0].name, "value": ROWS},
                )


def _dump(engine: sa.Engine) -> dict[str, dict[Any, dict[str, Any]]]:
    """table -> primary key -> {column: value}, for every table but alembic_version."""
    metadata = _reflect(engine)
    result: dict[str, dict[Any, dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            keys = [c.name for c in table.primary_key.columns]
            rows = {}
            for row in connection.execute(sa.select(table)):
                mapping = dict(row._mapping)
                rows[tuple(mapping[k] for k in keys)] = mapping
            result[table.name] = rows
    return result


def _assert_kept(before: dict[str, dict[Any, dict[str, Any]]], after: dict[str, dict[Any, dict[str, Any]]], *, since: str) -> None:
    for table, rows in before.items():
        assert table in after, f"table {table} (there at {since}) is gone"
        assert after[table].keys() == rows.keys(), f"{table}: rows lost or added ({len(rows)} -> {len(after[table])})"
        for key, values in rows.items():
            for column, value in values.items():
                if (table, column) in CHANGED_ON_PURPOSE:
                    continue
                assert column in after[table][key], f"column {table}.{column} (there at {since}) is gone"
                assert after[table][key][column] == value, f"{table} {key} {column}: {value!r} -> {after[table][key][column]!r}"


@pytest.mark.parametrize("revision", _revisions()[:-1] or ["(no earlier revision)"])
def test_collection_at_an_earlier_revision_upgrades_keeping_every_row(revision: str, fresh_url: Any, now: datetime) -> None:
    if revision == "(no earlier revision)":
        pytest.skip("only one revision so far")
    url = fresh_url(f"at-{revision}")
    old = Collection.open(url, now=now, migrate=False)
    try:
        migrations.upgrade(old, revision)
        _fill(old.engine)
        before = _dump(old.engine)
        assert all(len(rows) == ROWS for rows in before.values())
        backup = migrations.upgrade_if_needed(old, now=now)  # the path Collection.open takes
        assert migrations.current_revision(old) == migrations.head_revision()
        _assert_kept(before, _dump(old.engine), since=revision)
        if old.path is not None:
            assert backup is not None and Path(backup).exists()
    finally:
        old.close()
    with Collection.open(url, now=now) as reopened:  # and it opens as a collection
        assert migrations.current_revision(reopened) == migrations.head_revision()


@pytest.mark.parametrize("revision", _revisions()[:-1] or ["(no earlier revision)"])
def test_downgrade_then_upgrade_keeps_the_older_tables_rows(revision: str, fresh_url: Any, now: datetime) -> None:
    if revision == "(no earlier revision)":
        pytest.skip("only one revision so far")
    url = fresh_url(f"round-{revision}")
    collection = Collection.open(url, now=now, migrate=False)
    try:
        migrations.upgrade(collection, "head")
        _fill(collection.engine)
        migrations.downgrade(collection, revision)
        assert migrations.current_revision(collection) == revision
        at_old = _dump(collection.engine)
        assert all(len(rows) == ROWS for rows in at_old.values())
        migrations.upgrade(collection, "head")
        _assert_kept(at_old, _dump(collection.engine), since=revision)

        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from srs.store.models import Base

        with collection.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        collection.close()


def test_every_downgrade_then_upgrade_from_base(fresh_url: Any, now: datetime) -> None:
    """All the way down to an empty database and back up, one revision at a time."""
    collection = Collection.open(fresh_url("walk"), now=now, migrate=False)
    try:
        revisions = _revisions()
        for revision in revisions:
            migrations.upgrade(collection, revision)
            assert migrations.current_revision(collection) == revision
        for revision in reversed(revisions[:-1]):
            migrations.downgrade(collection, revision)
            assert migrations.current_revision(collection) == revision
        migrations.downgrade(collection, "base")
        assert set(collection.table_names()) <= {"alembic_version"}
        migrations.upgrade(collection, "head")
        assert migrations.current_revision(collection) == migrations.head_revision()
    finally:
        collection.close()
