"""Alembic wired to the app: metadata from srs.store.models, URL from the app's resolver.

Called by srs itself (a connection handed in through ``config.attributes``) and by the
``alembic`` command line from the project root (URL from ``SRS_DB`` or the default collection).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from srs.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    from datetime import datetime, timezone

    from srs.store.collection import Collection, resolve_url

    url = config.get_main_option("sqlalchemy.url") or resolve_url(None)
    collection = Collection.open(url, now=datetime.now(timezone.utc), migrate=False)
    with collection.engine.begin() as connection:
        run_with(connection)
    collection.close()


def run_offline() -> None:
    from srs.store.collection import resolve_url

    context.configure(
        url=config.get_main_option("sqlalchemy.url") or resolve_url(None),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
