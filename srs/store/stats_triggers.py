"""The database triggers that keep the statistics caches honest (srs.store.stats_cache).

The caches add the reviews after a high-water mark (review ids are never reused). Anything
else that changes what they counted, whatever code path does it (undo, ``srs check --fix``,
re-importing a review history, a card moved to another deck, a table rebuilt by hand), deletes
every mark in the same transaction, and the next ``srs stats`` rebuilds from the log. Created by
migration 0006; ``srs check`` reports them missing (a table rebuilt without them) and ``--fix``
creates them again.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

NAMES = ("stats_caches_review_deleted", "stats_caches_review_changed", "stats_caches_card_moved")

_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS stats_caches_review_deleted AFTER DELETE ON reviews BEGIN DELETE FROM stats_marks; END",
    "CREATE TRIGGER IF NOT EXISTS stats_caches_review_changed AFTER UPDATE ON reviews BEGIN DELETE FROM stats_marks; END",
    "CREATE TRIGGER IF NOT EXISTS stats_caches_card_moved AFTER UPDATE OF deck_id ON cards"
    " WHEN OLD.deck_id IS NOT NEW.deck_id BEGIN DELETE FROM stats_marks; END",
)

_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION stats_caches_stale() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN DELETE FROM stats_marks; RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS stats_caches_review_deleted ON reviews",
    "CREATE TRIGGER stats_caches_review_deleted AFTER DELETE OR TRUNCATE ON reviews"
    " FOR EACH STATEMENT EXECUTE FUNCTION stats_caches_stale()",
    "DROP TRIGGER IF EXISTS stats_caches_review_changed ON reviews",
    "CREATE TRIGGER stats_caches_review_changed AFTER UPDATE ON reviews"
    " FOR EACH STATEMENT EXECUTE FUNCTION stats_caches_stale()",
    "DROP TRIGGER IF EXISTS stats_caches_card_moved ON cards",
    "CREATE TRIGGER stats_caches_card_moved AFTER UPDATE OF deck_id ON cards FOR EACH ROW"
    " WHEN (OLD.deck_id IS DISTINCT FROM NEW.deck_id) EXECUTE FUNCTION stats_caches_stale()",
)


def create_triggers(connection: Connection) -> None:
    """Create the triggers (again): idempotent."""
    for statement in _POSTGRESQL if connection.dialect.name == "postgresql" else _SQLITE:
        connection.execute(text(statement))


def drop_triggers(connection: Connection) -> None:
    postgresql = connection.dialect.name == "postgresql"
    for name, table in zip(NAMES, ("reviews", "reviews", "cards"), strict=True):
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else "")))
    if postgresql:
        connection.execute(text("DROP FUNCTION IF EXISTS stats_caches_stale()"))


def missing_triggers(connection: Connection) -> list[str]:
    """The triggers that are not there (a table rebuilt without them, say)."""
    if connection.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    present = {str(name) for (name,) in connection.execute(text(query))}
    return [name for name in NAMES if name not in present]
