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
        from srs.store.migrations import REPLAY_CARDS

        if config.attributes.pop(REPLAY_CARDS, False):
            replay_every_card(connection)


def replay_every_card(connection: Connection) -> None:
    """Every card's state becomes the replay of its log (``srs reschedule``), after the last
    migration of the upgrade, so with the schema srs's code reads; asked for by a migration that
    changed how the log is replayed (0005). The count of changed cards, or why nothing could be
    replayed, goes to ``config.attributes["notes"]`` for the user."""
    from datetime import datetime, timezone

    from sqlalchemy.orm import Session

    from srs.app.reschedule import reschedule_session

    attributes = config.attributes
    now = attributes.get("now") or datetime.now(timezone.utc)
    notes = attributes.setdefault("notes", [])
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        report = reschedule_session(session, now=now)
        session.commit()  # releases the savepoint; the upgrade's transaction commits it
    except Exception as error:  # noqa: BLE001 - damaged data must not block the upgrade
        session.rollback()  # back to the savepoint: no card changed
        detail = " ".join(str(error).split())[:160] or type(error).__name__
        notes.append(
            f"Upgrade: the cards could not be replayed under the new study-day rule ({detail}); "
            "run srs check --fix, which repairs the collection and replays every card's log."
        )
        return
    finally:
        session.close()
    if report.changed:
        notes.append(
            f"Upgrade: elapsed time is now counted in study days, as Anki counts it; {report.changed:,} of "
            f"{report.cards:,} cards were replayed to a new memory state ({report.moved:,} due dates moved)."
        )


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
