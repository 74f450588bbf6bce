"""The ORM classes of a collection, mapped onto the Core tables of :mod:`srs.store.schema`.

The schema itself (columns, types, defaults, indexes) is defined once, in
:mod:`srs.store.schema`; each class here maps one of its tables (``__table__``), declares its
columns' Python types for the type checker, and adds the relationships. Commands that need no
ORM object query the tables through Core and never import this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from srs.domain.cards import CardKind, CardState  # noqa: F401 - for the store's users, as before
from srs.store import schema
from srs.store.schema import DEFAULT_PRESET_NAME, NAMING_CONVENTION, UTCDateTime  # noqa: F401 - as before


class Base(DeclarativeBase):
    metadata = schema.metadata


class Preset(Base):
    """Scheduling options shared by decks (Anki's deck options preset)."""

    __table__ = schema.presets

    id: Mapped[int]
    name: Mapped[str]
    desired_retention: Mapped[float]
    parameters: Mapped[list[float]]  # the 21 FSRS-6 parameters
    learning_steps: Mapped[list[int]]  # steps in seconds
    relearning_steps: Mapped[list[int]]
    maximum_interval: Mapped[int]
    new_per_day: Mapped[int]
    reviews_per_day: Mapped[int]
    day_start_hour: Mapped[int]
    timezone: Mapped[str]
    enable_fuzz: Mapped[bool]
    bury_siblings: Mapped[bool]
    leech_threshold: Mapped[int]
    updated_at: Mapped[datetime]

    decks: Mapped[list[Deck]] = relationship(back_populates="preset")


class Deck(Base):
    """A deck; ``name`` is the full path with ``::`` between levels, as in Anki."""

    __table__ = schema.decks

    id: Mapped[int]
    name: Mapped[str]
    preset_id: Mapped[int]
    created_at: Mapped[datetime]

    preset: Mapped[Preset] = relationship(back_populates="decks")


class ImportRoot(Base):
    """A file or folder the user imported; a bare ``srs import`` rescans every root."""

    __table__ = schema.import_roots

    id: Mapped[int]
    path: Mapped[str]
    deck: Mapped[str | None]  # --deck given when it was added
    added_at: Mapped[datetime]
    last_import_at: Mapped[datetime | None]


class Source(Base):
    """An imported file, with what is needed to skip it cheaply when unchanged."""

    __table__ = schema.sources

    id: Mapped[int]
    path: Mapped[str]
    root_id: Mapped[int | None]
    size: Mapped[int]
    mtime_ns: Mapped[int]
    content_hash: Mapped[str]
    imported_at: Mapped[datetime]
    tasks: Mapped[list[Any] | None]


class Card(Base):
    """A card: its content, where it came from, and its FSRS memory state.

    The memory state (state, step, stability, difficulty, due, last_review, reps, lapses)
    always equals the replay of the card's review log (see :mod:`srs.domain.scheduling`).
    """

    __table__ = schema.cards

    id: Mapped[int]
    key: Mapped[str]
    note_key: Mapped[str]
    kind: Mapped[str]
    deck_id: Mapped[int]
    source_id: Mapped[int | None]
    source_path: Mapped[str | None]
    source_line: Mapped[int | None]
    heading_path: Mapped[str]
    front: Mapped[str]
    back: Mapped[str]
    content_hash: Mapped[str]
    tags: Mapped[str]
    origin: Mapped[str]
    external_id: Mapped[str | None]

    state: Mapped[int]
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime | None]
    last_review: Mapped[datetime | None]
    reps: Mapped[int]
    lapses: Mapped[int]

    suspended: Mapped[bool]
    buried_until: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    deck: Mapped[Deck] = relationship()
    reviews: Mapped[list[Review]] = relationship(back_populates="card", order_by="Review.reviewed_at")


class Review(Base):
    """One answer: the review log, the source of truth for every card's memory state."""

    __table__ = schema.reviews

    id: Mapped[int]
    card_id: Mapped[int]
    rating: Mapped[int]
    reviewed_at: Mapped[datetime]
    duration_ms: Mapped[int | None]
    state_before: Mapped[int]
    state: Mapped[int]
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime]
    elapsed_days: Mapped[float | None]
    last_interval_days: Mapped[float | None]
    scheduled_days: Mapped[float]

    card: Mapped[Card] = relationship(back_populates="reviews")


class Setting(Base):
    """Collection-wide settings (``srs config``) that belong to no preset."""

    __table__ = schema.settings

    key: Mapped[str]
    value: Mapped[Any]
