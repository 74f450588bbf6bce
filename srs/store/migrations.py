"""Schema upgrades through Alembic, with a backup of an SQLite file before each one.

The migration scripts live in the top-level ``alembic/`` folder and are installed as the
``srs._migrations`` package, so both a checkout and a non-editable install find them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import inspect

from srs.errors import CollectionError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Engine


class Collection(Protocol):
    """What the migrations need of an open collection (:class:`srs.store.collection.Collection`,
    which imports this module to upgrade on opening: a protocol, so no import back)."""

    url: str
    engine: Engine
    path: Path | None
    is_sqlite: bool
    upgrade_notes: list[str]

    @property
    def name(self) -> str: ...

    def table_names(self) -> list[str]: ...


# Set by a data migration (0005) in ``config.attributes``: replay every card's log once the
# upgrade's last migration has run (``alembic/env.py``), with the schema srs's code reads.
REPLAY_CARDS = "replay_cards"


def script_location() -> Path:
    """``srs/_migrations``: a link to the checkout's ``alembic/``, a real folder once installed."""
    return Path(__file__).resolve().parent.parent / "_migrations"


def alembic_config(collection: Collection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if collection is not None:
        config.set_main_option("sqlalchemy.url", collection.url.replace("%", "%%"))
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def current_revision(collection: Collection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with collection.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


_REVISION = re.compile(r"""^revision\b[^=\n]*=\s*['"]([^'"]+)['"]\s*$""", re.M)
_DOWN_REVISION = re.compile(r"""^down_revision\b[^=\n]*=\s*(?:['"]([^'"]+)['"]|None)\s*$""", re.M)


def declared_head() -> str | None:
    """The head revision read from the scripts' ``revision``/``down_revision`` lines, without
    importing Alembic (which costs ~150 ms, a quarter of ``srs status``); None when the
    scripts cannot be read this way (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for path in (script_location() / "versions").glob("*.py"):
            text = path.read_text(encoding="utf-8")
            revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
            if revision is None or down is None:
                return None
            revisions.add(revision.group(1))
            if down.group(1):
                parents.add(down.group(1))
    except (OSError, UnicodeDecodeError):
        return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(collection: Collection) -> str | None:
    """The collection's ``alembic_version``, read with one query (None: none or unreadable)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with collection.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        return None
    return rows[0] if len(rows) == 1 else None


def upgrade_if_needed(collection: Collection, *, now: datetime) -> str | None:
    """Upgrade to head if behind; return the path of the backup made first, if any."""
    head = declared_head()
    if head is not None and _stored_revision(collection) == head:
        return None  # up to date: the common case, decided without importing Alembic
    current = current_revision(collection)
    scripts = script_directory()
    head = scripts.get_current_head()
    if current == head:
        return None
    if current is None:
        tables = [t for t in collection.table_names() if t != "alembic_version"]
        if tables:
            raise CollectionError(
                f"{collection.name}: not an srs collection (it holds other tables: {', '.join(sorted(tables)[:5])})"
            )
        upgrade(collection, "head")
        return None
    if current not in {rev.revision for rev in scripts.walk_revisions()}:
        raise CollectionError(
            f"{collection.name}: made by a newer version of srs (schema {current}); upgrade srs to open it"
        )
    backup = None
    if collection.path is not None:
        from srs.store.backup import backup_before_migration

        backup = backup_before_migration(collection.path, current, now=now)
    collection.upgrade_notes = upgrade(collection, "head", now=now)
    return str(backup) if backup else None


def upgrade(collection: Collection, revision: str = "head", *, now: datetime | None = None) -> list[str]:
    """Upgrade to ``revision``; the migrations' notes for the user (what a data migration did)."""
    from alembic import command

    return _migrate(collection, lambda config: command.upgrade(config, revision), now=now)


def downgrade(collection: Collection, revision: str) -> None:
    from alembic import command

    _migrate(collection, lambda config: command.downgrade(config, revision))


def _migrate(collection: Collection, run: Callable[[Config], None], *, now: datetime | None = None) -> list[str]:
    """Run an Alembic command in one transaction under the writer lock: a second process
    opening the collection at the same time waits, then finds it migrated (Alembic reads the
    revision inside this transaction).

    SQLite: foreign keys are off while the migration runs. Batch mode rebuilds a table by
    copying it and dropping the old one, and with foreign keys on that DROP would fire the
    children's ON DELETE actions (SET NULL, CASCADE) and silently empty their columns. Before
    committing, ``PRAGMA foreign_key_check`` must find nothing, else the migration is undone.
    """
    config = alembic_config(collection)
    config.attributes["now"] = now
    config.attributes["notes"] = []
    engine = collection.engine.execution_options(srs_begin="IMMEDIATE")
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection if collection.is_sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")  # outside any transaction, where it takes effect
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                run(config)
                if raw is not None:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise CollectionError(
                            f"{collection.name}: migration left rows pointing at missing rows ({len(broken)}, e.g. table {broken[0][0]}); "
                            "nothing was changed: run srs check --fix with the previous srs version"
                        )
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")
    return list(config.attributes["notes"])


def has_schema(collection: Collection) -> bool:
    return "cards" in inspect(collection.engine).get_table_names()
