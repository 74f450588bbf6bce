"""The tables of a collection, as SQLAlchemy 2.0 typed models.

Schema changes only go through Alembic migrations in ``alembic/versions`` (a test checks that
autogenerate finds no difference between these models and the migrations).

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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from srs.domain.cards import CardKind, CardState  # noqa: F401 - CardKind for the store's users, as before
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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


DEFAULT_PRESET_NAME = "Default"


class Preset(Base):
    """Scheduling options shared by decks (Anki's deck options preset)."""

    __tablename__ = "presets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    # The 21 FSRS-6 parameters.
    parameters: Mapped[list[float]] = mapped_column(JSON)
    # Steps in seconds.
    learning_steps: Mapped[list[int]] = mapped_column(JSON)
    relearning_steps: Mapped[list[int]] = mapped_column(JSON)
    maximum_interval: Mapped[int] = mapped_column(Integer, default=36500)
    new_per_day: Mapped[int] = mapped_column(Integer, default=20)
    reviews_per_day: Mapped[int] = mapped_column(Integer, default=200)
    day_start_hour: Mapped[int] = mapped_column(Integer, default=4)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    enable_fuzz: Mapped[bool] = mapped_column(Boolean, default=True)
    bury_siblings: Mapped[bool] = mapped_column(Boolean, default=True)
    leech_threshold: Mapped[int] = mapped_column(Integer, default=8)
    updated_at: Mapped[datetime]

    decks: Mapped[list[Deck]] = relationship(back_populates="preset")


class Deck(Base):
    """A deck; ``name`` is the full path with ``::`` between levels, as in Anki."""

    __tablename__ = "decks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    preset_id: Mapped[int] = mapped_column(ForeignKey("presets.id"), index=True)
    created_at: Mapped[datetime]

    preset: Mapped[Preset] = relationship(back_populates="decks")


class ImportRoot(Base):
    """A file or folder the user imported; a bare ``srs import`` rescans every root."""

    __tablename__ = "import_roots"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    deck: Mapped[str | None] = mapped_column(String(500))  # --deck given when it was added
    added_at: Mapped[datetime]
    last_import_at: Mapped[datetime | None]


class Source(Base):
    """An imported file, with what is needed to skip it cheaply when unchanged."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)  # absolute, as resolved at import
    root_id: Mapped[int | None] = mapped_column(ForeignKey("import_roots.id", ondelete="SET NULL"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    # The file's pending and completed-without-notes tasks as last read ([kind, line, text,
    # deck] each), so that a re-import that skips the unchanged file still reports them.
    tasks: Mapped[list[Any] | None] = mapped_column(JSON)


class Card(Base):
    """A card: its content, where it came from, and its FSRS memory state.

    The memory state (state, step, stability, difficulty, due, last_review, reps, lapses)
    always equals the replay of the card's review log (see :mod:`srs.domain.scheduling`).
    """

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable identity: location key (file, kind, heading path, question), see srs.domain.identity.
    key: Mapped[str] = mapped_column(Text, unique=True)
    # Cards sharing a note_key are siblings (same task, section or cloze note).
    note_key: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    source_path: Mapped[str | None] = mapped_column(Text)
    source_line: Mapped[int | None] = mapped_column(Integer)
    heading_path: Mapped[str] = mapped_column(Text, default="")
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # Space-separated, with a leading and trailing space (" leech paper "), as Anki keeps them.
    tags: Mapped[str] = mapped_column(Text, default="")
    # Where the card came from when not from Markdown ("revlog", "anki") and its id there.
    origin: Mapped[str] = mapped_column(String(20), default="markdown")
    external_id: Mapped[str | None] = mapped_column(String(100), index=True)

    state: Mapped[int] = mapped_column(Integer, default=CardState.NEW)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime | None]
    last_review: Mapped[datetime | None]
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)

    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    buried_until: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    deck: Mapped[Deck] = relationship()
    reviews: Mapped[list[Review]] = relationship(back_populates="card", order_by="Review.reviewed_at")

    __table_args__ = (Index("ix_cards_deck_state_due", "deck_id", "state", "due"),)


class Review(Base):
    """One answer: the review log, the source of truth for every card's memory state.

    ``state``/``step``/``stability``/``difficulty``/``due`` are the card's state after the
    answer. ``elapsed_days`` (time since the previous review, fractional days) and
    ``last_interval_days`` (the interval the previous review scheduled) are derivable from
    the log but stored so that statistics are plain SQL aggregates.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime]
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    state_before: Mapped[int] = mapped_column(Integer)
    state: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime]
    elapsed_days: Mapped[float | None] = mapped_column(Float)
    last_interval_days: Mapped[float | None] = mapped_column(Float)
    scheduled_days: Mapped[float] = mapped_column(Float)

    card: Mapped[Card] = relationship(back_populates="reviews")

    __table_args__ = (
        Index("ix_reviews_card_time", "card_id", "reviewed_at"),
        Index("ix_reviews_time", "reviewed_at"),
        # An undone answer's id is never given to another answer (SQLite would reuse the
        # highest rowid; PostgreSQL's sequence never does).
        {"sqlite_autoincrement": True},
    )


class Setting(Base):
    """Collection-wide settings (``srs config``) that belong to no preset."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


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
    Base.metadata,
    Column("name", String(200), primary_key=True),  # which cache: "days <zone> <hour>", "curve"
    Column("last_review_id", BigInteger, nullable=False),  # reviews up to this id are counted
    Column("fingerprint", Text, nullable=False),  # the settings the cache was computed with
    info=DERIVED,
)

# Answers per study day and deck (the study days of one time zone and day-start hour).
stats_days = Table(
    "stats_days",
    Base.metadata,
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
    Base.metadata,
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
    Base.metadata,
    Column("card_id", Integer, primary_key=True, autoincrement=False),
    Column("stability", Float, nullable=False),
    Column("difficulty", Float, nullable=False),
    Column("reviewed_at", BigInteger, nullable=False),  # micros of that review
    Column("day", Integer, nullable=False),  # its study day (the deck's rule)
    info=DERIVED,
)
