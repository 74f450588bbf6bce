"""Schema upgrades through Alembic, with a backup of an SQLite file before each one.

The migration scripts live in the top-level ``alembic/`` folder and are installed as the
``srs._migrations`` package, so both a checkout and a non-editable install find them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect

from srs.errors import CollectionError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from srs.store.collection import Collection


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


def upgrade_if_needed(collection: Collection, *, now: datetime) -> str | None:
    """Upgrade to head if behind; return the path of the backup made first, if any."""
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

        backup = backup_before_migration(collection, current, now=now)
    upgrade(collection, "head")
    return str(backup) if backup else None


def upgrade(collection: Collection, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config(collection)
    # Under the writer lock: a second process opening the collection at the same time waits,
    # then finds it upgraded (Alembic reads the revision inside this transaction).
    with collection.engine.execution_options(srs_begin="IMMEDIATE").begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(collection: Collection, revision: str) -> None:
    from alembic import command

    config = alembic_config(collection)
    with collection.engine.execution_options(srs_begin="IMMEDIATE").begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def has_schema(collection: Collection) -> bool:
    return "cards" in inspect(collection.engine).get_table_names()
