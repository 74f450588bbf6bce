"""Deck names: how a name is written, and which decks a name means (a deck includes its
sub-decks). Core statements on :mod:`srs.store.schema`, usable from an ORM ``Session`` or a
Core ``Connection`` alike (``srs status`` needs no ORM)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from srs.errors import NotFoundError
from srs.store.schema import cards, decks

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SEPARATOR = "::"


def normalise_deck_name(name: str) -> str:
    """``" Papers :: NLP "`` -> ``"Papers::NLP"``; ``/`` also separates levels."""
    parts = [p.strip() for p in name.replace("/", SEPARATOR).split(SEPARATOR)]
    return SEPARATOR.join(p for p in parts if p)


def named(name: str) -> ColumnElement[bool]:
    """WHERE clause: the deck called ``name``, case-insensitively as in Anki (``papers`` is
    ``Papers``; the exact name always matches, whatever the database's lower() does)."""
    name = normalise_deck_name(name)
    return or_(decks.c.name == name, func.lower(decks.c.name) == name.lower())


def deck_ids(connection: Connection | Session, name: str | None) -> list[int] | None:
    """Ids of the deck ``name`` and its sub-decks (case-insensitively); None means every deck.
    Unknown name: error. ``connection``: a Core connection or an ORM session."""
    if name is None:
        return None
    name = normalise_deck_name(name)
    children = or_(
        decks.c.name.startswith(name + SEPARATOR, autoescape=True),
        func.lower(decks.c.name).startswith(name.lower() + SEPARATOR, autoescape=True),
    )
    rows = connection.execute(select(decks.c.id, decks.c.name).where(or_(named(name), children))).all()
    if not rows:
        known = connection.scalars(select(decks.c.name).order_by(decks.c.name)).all()
        hint = f" (decks: {', '.join(known[:10])}{', ...' if len(known) > 10 else ''})" if known else " (the collection has no decks yet: run srs import)"
        raise NotFoundError(f"unknown deck {name!r}{hint}")
    return [row.id for row in rows]


def deck_filter(ids: list[int] | None) -> ColumnElement[bool]:
    """A WHERE clause restricting cards to ``ids`` (None: no restriction)."""
    return true() if ids is None else cards.c.deck_id.in_(ids)
