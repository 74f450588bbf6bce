"""The tables of a collection, as SQLAlchemy Core ``Table`` objects: the one schema.

Schema changes only go through Alembic migrations in ``srs/_migrations/versions`` (a test
checks that autogenerate finds no difference between these tables and the migrations). The
ORM classes of :mod:`srs.store.models` are mapped onto these same tables; a command that needs
no ORM object (``srs status``, the card browser, an unchanged re-import) queries them through
Core and never imports ``sqlalchemy.orm`` (about a fifth of a short command's time).

Every timestamp is stored as integer microseconds since the Unix epoch (:class:`UTCDateTime`)
and comes back as a UTC-aware ``datetime``: exact round trips (so undo and replay compare
equal to the microsecond), the same on SQLite and PostgreSQL, and cheap SQL arithmetic for
statistics over millions of reviews.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from srs.domain.cards import CardState
from srs.timeutil import from_micros, to_micros

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC-aware datetime stored as microseconds since the epoch (BIGINT)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return to_micros(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return from_micros(value)  # DamagedError for what is not a time (srs check finds the row)


metadata = MetaData(naming_convention=NAMING_CONVENTION)

DEFAULT_PRESET_NAME = "Default"


def _required(name: str, type_: Any, **options: Any) -> Column[Any]:
    return Column(name, type_, nullable=False, **options)


# Scheduling options shared by decks (Anki's deck options preset).
presets = Table(
    "presets", metadata,
    Column("id", Integer, primary_key=True),
    _required("name", String(200), unique=True),
    _required("desired_retention", Float, default=0.9),
    _required("parameters", JSON),  # the 21 FSRS-6 parameters
    _required("learning_steps", JSON),  # steps in seconds
    _required("relearning_steps", JSON),
    _required("maximum_interval", Integer, default=36500),
    _required("new_per_day", Integer, default=20),
    _required("reviews_per_day", Integer, default=200),
    _required("day_start_hour", Integer, default=4),
    _required("timezone", String(64), default="UTC"),
    _required("enable_fuzz", Boolean, default=True),
    _required("bury_siblings", Boolean, default=True),
    _required("leech_threshold", Integer, default=8),
    _required("updated_at", UTCDateTime),
)

# A deck; ``name`` is the full path with ``::`` between levels, as in Anki.
decks = Table(
    "decks", metadata,
    Column("id", Integer, primary_key=True),
    _required("name", String(500), unique=True),
    _required("preset_id", ForeignKey("presets.id"), index=True),
    _required("created_at", UTCDateTime),
)

# A file or folder the user imported; a bare ``srs import`` rescans every root.
import_roots = Table(
    "import_roots", metadata,
    Column("id", Integer, primary_key=True),
    _required("path", Text, unique=True),
    Column("deck", String(500)),  # --deck given when it was added
    _required("added_at", UTCDateTime),
    Column("last_import_at", UTCDateTime),
)

# An imported file, with what is needed to skip it cheaply when unchanged.
sources = Table(
    "sources", metadata,
    Column("id", Integer, primary_key=True),
    _required("path", Text, unique=True),  # absolute, as resolved at import
    Column("root_id", ForeignKey("import_roots.id", ondelete="SET NULL"), index=True),
    _required("size", BigInteger),
    _required("mtime_ns", BigInteger),
    _required("content_hash", String(64)),
    _required("imported_at", UTCDateTime),
    # The file's pending and completed-without-notes tasks as last read ([kind, line, text,
    # deck] each), so that a re-import that skips the unchanged file still reports them.
    Column("tasks", JSON),
)

# A card: its content, where it came from, and its FSRS memory state (which always equals the
# replay of the card's review log, see srs.domain.scheduling).
cards = Table(
    "cards", metadata,
    Column("id", Integer, primary_key=True),
    # Stable identity: location key (file, kind, heading path, question), see srs.domain.identity.
    _required("key", Text, unique=True),
    # Cards sharing a note_key are siblings (same task, section or cloze note).
    _required("note_key", Text, index=True),
    _required("kind", String(20)),
    _required("deck_id", ForeignKey("decks.id"), index=True),
    Column("source_id", ForeignKey("sources.id", ondelete="SET NULL"), index=True),
    Column("source_path", Text),
    Column("source_line", Integer),
    _required("heading_path", Text, default=""),
    _required("front", Text),
    _required("back", Text),
    _required("content_hash", String(64), index=True),
    # Space-separated, with a leading and trailing space (" leech paper "), as Anki keeps them.
    _required("tags", Text, default=""),
    # Where the card came from when not from Markdown ("revlog", "anki") and its id there.
    _required("origin", String(20), default="markdown"),
    Column("external_id", String(100), index=True),
    _required("state", Integer, default=CardState.NEW),
    Column("step", Integer),
    Column("stability", Float),
    Column("difficulty", Float),
    Column("due", UTCDateTime),
    Column("last_review", UTCDateTime),
    _required("reps", Integer, default=0),
    _required("lapses", Integer, default=0),
    _required("suspended", Boolean, default=False),
    Column("buried_until", UTCDateTime),
    Column("retired_at", UTCDateTime),
    _required("created_at", UTCDateTime),
    _required("updated_at", UTCDateTime),
    Index("ix_cards_deck_state_due", "deck_id", "state", "due"),
    # What srs status counts, by deck (migration 0006): it reads this index, not the cards' rows.
    Index("ix_cards_counts", "deck_id", "state", "suspended", "retired_at", "due", "buried_until"),
    # A re-import's count of each unchanged file's active cards per deck (migration 0006).
    Index("ix_cards_source_counts", "source_id", "deck_id", "retired_at"),
)

# One answer: the review log, the source of truth for every card's memory state.
# ``state``/``step``/``stability``/``difficulty``/``due`` are the card's state after the answer.
# ``elapsed_days`` (time since the previous review, fractional days) and ``last_interval_days``
# (the interval the previous review scheduled) are derivable from the log but stored so that
# statistics are plain SQL aggregates.
reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True),
    _required("card_id", ForeignKey("cards.id", ondelete="CASCADE")),
    _required("rating", Integer),
    _required("reviewed_at", UTCDateTime),
    Column("duration_ms", Integer),
    _required("state_before", Integer),
    _required("state", Integer),
    Column("step", Integer),
    Column("stability", Float),
    Column("difficulty", Float),
    _required("due", UTCDateTime),
    Column("elapsed_days", Float),
    Column("last_interval_days", Float),
    _required("scheduled_days", Float),
    Index("ix_reviews_card_time", "card_id", "reviewed_at"),
    Index("ix_reviews_time", "reviewed_at"),
    # An undone answer's id is never given to another answer (SQLite would reuse the highest
    # rowid; PostgreSQL's sequence never does).
    sqlite_autoincrement=True,
)

# Collection-wide settings (``srs config``) that belong to no preset.
settings = Table(
    "settings", metadata,
    Column("key", String(100), primary_key=True),
    _required("value", JSON),
)


# -- statistics caches (derived from the review log; ``srs check --fix`` rebuilds them) ----------
#
# What ``srs stats`` and ``srs stats curve`` need, kept between calls so that they do not scan the
# whole log each time (srs.store.stats_cache). Every row is a sum over reviews, brought up to date
# from the reviews after ``stats_marks.last_review_id`` (review ids are never reused). Any other
# change of the log (a deleted or edited review, a card moved to another deck) deletes the marks
# through database triggers, and the next call rebuilds from the log. Not exported: derived.

DERIVED = {"derived": True}  # Table.info of a cache: left out of srs export --json / import-json

stats_marks = Table(
    "stats_marks",
    metadata,
    Column("name", String(200), primary_key=True),  # which cache: "days <zone> <hour>", "curve"
    Column("last_review_id", BigInteger, nullable=False),  # reviews up to this id are counted
    Column("fingerprint", Text, nullable=False),  # the settings the cache was computed with
    info=DERIVED,
)

# Answers per study day and deck (the study days of one time zone and day-start hour).
stats_days = Table(
    "stats_days",
    metadata,
    Column("timezone", String(64), primary_key=True),
    Column("day_start_hour", Integer, primary_key=True, autoincrement=False),
    Column("deck_id", Integer, primary_key=True, autoincrement=False),
    Column("day", Integer, primary_key=True, autoincrement=False),  # study day: days since 1970-01-01
    Column("reviews", Integer, nullable=False),  # answers (manual entries are not answers)
    Column("counted", Integer, nullable=False),  # answers that count for true retention
    Column("passed", Integer, nullable=False),  # ... of which not Again
    Column("mature", Integer, nullable=False),  # ... with a last interval of at least 21 days
    Column("mature_passed", Integer, nullable=False),
    info=DERIVED,
)

# The forgetting curve's sums per deck, bin (k: 10^(k/4) days) and long-term flag.
curve_bins = Table(
    "curve_bins",
    metadata,
    Column("deck_id", Integer, primary_key=True, autoincrement=False),
    Column("k", Integer, primary_key=True, autoincrement=False),
    Column("long_term", Integer, primary_key=True, autoincrement=False),
    Column("reviews", Integer, nullable=False),
    Column("recalled", Integer, nullable=False),
    Column("elapsed_sum", Float, nullable=False),
    Column("predicted_sum", Float, nullable=False),
    Column("variance_sum", Float, nullable=False),
    Column("log_loss_sum", Float, nullable=False),
    Column("elapsed_min", Float, nullable=False),
    Column("elapsed_max", Float, nullable=False),
    info=DERIVED,
)

# Each card's replayed memory state after its last counted review, where the next one continues.
curve_cards = Table(
    "curve_cards",
    metadata,
    Column("card_id", Integer, primary_key=True, autoincrement=False),
    Column("stability", Float, nullable=False),
    Column("difficulty", Float, nullable=False),
    Column("reviewed_at", BigInteger, nullable=False),  # micros of that review
    Column("day", Integer, nullable=False),  # its study day (the deck's rule)
    info=DERIVED,
)
