"""Decks: lookup by name (a deck includes its sub-decks), creation, and per-deck counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from srs.errors import NotFoundError
from srs.store.models import DEFAULT_PRESET_NAME, Card, CardState, Deck, Preset

SEPARATOR = "::"


def normalise_deck_name(name: str) -> str:
    """``" Papers :: NLP "`` -> ``"Papers::NLP"``; ``/`` also separates levels."""
    parts = [p.strip() for p in name.replace("/", SEPARATOR).split(SEPARATOR)]
    return SEPARATOR.join(p for p in parts if p)


def get_or_create_deck(session: Session, name: str, now: datetime) -> Deck:
    """The deck called ``name``, created (with the default preset) if it does not exist."""
    name = normalise_deck_name(name) or "Default"
    deck = session.scalar(select(Deck).where(Deck.name == name))
    if deck is None:
        preset_id = session.scalar(select(Preset.id).where(Preset.name == DEFAULT_PRESET_NAME))
        assert preset_id is not None, "collection has no default preset"
        deck = Deck(name=name, preset_id=preset_id, created_at=now)
        session.add(deck)
        session.flush()
    return deck


def named(name: str):  # type: ignore[no-untyped-def]
    """WHERE clause: the deck called ``name``, case-insensitively as in Anki (``papers`` is
    ``Papers``; the exact name always matches, whatever the database's lower() does)."""
    name = normalise_deck_name(name)
    return or_(Deck.name == name, func.lower(Deck.name) == name.lower())


def deck_ids(session: Session, name: str | None) -> list[int] | None:
    """Ids of the deck ``name`` and its sub-decks (case-insensitively); None means every deck.
    Unknown name: error."""
    if name is None:
        return None
    name = normalise_deck_name(name)
    children = or_(Deck.name.startswith(name + SEPARATOR, autoescape=True), func.lower(Deck.name).startswith(name.lower() + SEPARATOR, autoescape=True))
    rows = session.execute(select(Deck.id, Deck.name).where(or_(named(name), children))).all()
    if not rows:
        known = session.scalars(select(Deck.name).order_by(Deck.name)).all()
        hint = f" (decks: {', '.join(known[:10])}{', ...' if len(known) > 10 else ''})" if known else " (the collection has no decks yet: run srs import)"
        raise NotFoundError(f"unknown deck {name!r}{hint}")
    return [row.id for row in rows]


def deck_filter(ids: list[int] | None):  # type: ignore[no-untyped-def]
    """A WHERE clause restricting cards to ``ids`` (None: no restriction)."""
    return True if ids is None else Card.deck_id.in_(ids)


@dataclass(frozen=True)
class DeckCounts:
    deck: str
    total: int
    new: int
    learning: int
    due: int
    suspended: int
    next_due: datetime | None


def deck_counts(session: Session, *, now: datetime, day_end: datetime, ids: list[int] | None = None) -> list[DeckCounts]:
    """Per deck: cards (retired excluded), new, in (re)learning, due before ``day_end``, suspended.

    ``due`` counts unsuspended, unburied cards that have been reviewed and are due before the
    end of the study day; ``next_due`` is the earliest due date of such a card after ``now``.
    """
    active = and_(Card.retired_at.is_(None))
    available = and_(active, Card.suspended.is_(False), or_(Card.buried_until.is_(None), Card.buried_until <= now))
    reviewed = Card.state != CardState.NEW
    count = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    stmt = (
        select(
            Deck.name,
            count(active),
            count(and_(active, Card.state == CardState.NEW, Card.suspended.is_(False))),
            count(and_(active, Card.state.in_([CardState.LEARNING, CardState.RELEARNING]), Card.suspended.is_(False))),
            count(and_(available, reviewed, Card.due < day_end)),
            count(and_(active, Card.suspended.is_(True))),
            func.min(case((and_(available, reviewed, Card.due > now), Card.due), else_=None)),
        )
        .select_from(Deck)
        .outerjoin(Card, Card.deck_id == Deck.id)
        .group_by(Deck.id, Deck.name)
        .order_by(Deck.name)
    )
    if ids is not None:
        stmt = stmt.where(Deck.id.in_(ids))
    from srs.store.models import UTCDateTime

    result = []
    for name, total, new, learning, due, suspended, next_due in session.execute(stmt):
        if isinstance(next_due, int):  # min() over a TypeDecorator column comes back raw
            next_due = UTCDateTime().process_result_value(next_due, session.get_bind().dialect)
        result.append(DeckCounts(name, int(total), int(new), int(learning), int(due), int(suspended), next_due))
    return result
