"""The database triggers that keep the statistics caches honest (srs.store.stats_cache).

The caches add the reviews after a high-water mark (review ids are never reused). Anything
else that changes what they counted, whatever code path does it (an undo of a counted answer,
``srs check --fix``, re-importing a review history, a card moved to another deck), deletes the
marks that counted it in the same transaction, and the next ``srs stats`` rebuilds from the log. Created by
migration 0007; ``srs check`` reports them missing (a table rebuilt without them) and ``--fix``
creates them again.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

NAMES = ("stats_caches_review_deleted", "stats_caches_review_changed", "stats_caches_card_moved")
POSTGRESQL_NAMES = (*NAMES, "stats_caches_log_emptied")

# A review the caches have not counted yet (an id above a mark: an answer taken back before the
# next srs stats) leaves them as they are; one they counted deletes the marks that counted it.
_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS stats_caches_review_deleted AFTER DELETE ON reviews"
    " BEGIN DELETE FROM stats_marks WHERE last_review_id >= OLD.id; END",
    "CREATE TRIGGER IF NOT EXISTS stats_caches_review_changed AFTER UPDATE ON reviews"
    " BEGIN DELETE FROM stats_marks WHERE last_review_id >= min(OLD.id, NEW.id); END",
    "CREATE TRIGGER IF NOT EXISTS stats_caches_card_moved AFTER UPDATE OF deck_id ON cards"
    " WHEN OLD.deck_id IS NOT NEW.deck_id BEGIN DELETE FROM stats_marks; END",
)

# Statement triggers with transition tables: one DELETE per statement, however many rows.
_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION stats_caches_deleted() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN DELETE FROM stats_marks WHERE last_review_id >= (SELECT min(id) FROM old_rows); RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION stats_caches_changed() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN DELETE FROM stats_marks WHERE last_review_id >= LEAST((SELECT min(id) FROM old_rows), (SELECT min(id) FROM new_rows));"
    " RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION stats_caches_stale() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN DELETE FROM stats_marks; RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS stats_caches_review_deleted ON reviews",
    "CREATE TRIGGER stats_caches_review_deleted AFTER DELETE ON reviews REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION stats_caches_deleted()",
    "DROP TRIGGER IF EXISTS stats_caches_review_changed ON reviews",
    "CREATE TRIGGER stats_caches_review_changed AFTER UPDATE ON reviews REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION stats_caches_changed()",
    "DROP TRIGGER IF EXISTS stats_caches_log_emptied ON reviews",
    "CREATE TRIGGER stats_caches_log_emptied AFTER TRUNCATE ON reviews FOR EACH STATEMENT EXECUTE FUNCTION stats_caches_stale()",
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
    for name in POSTGRESQL_NAMES if postgresql else NAMES:
        table = "cards" if name == "stats_caches_card_moved" else "reviews"
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else "")))
    if postgresql:
        for function in ("stats_caches_deleted", "stats_caches_changed", "stats_caches_stale"):
            connection.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


def missing_triggers(connection: Connection) -> list[str]:
    """The triggers that are not there (a table rebuilt without them, say)."""
    if connection.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    present = {str(name) for (name,) in connection.execute(text(query))}
    return [name for name in (POSTGRESQL_NAMES if connection.dialect.name == "postgresql" else NAMES) if name not in present]
