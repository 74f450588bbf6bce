"""Decks: creation; the names and which decks a name means are :mod:`srs.store.deck_names`'s
(re-exported here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from srs.store.deck_names import SEPARATOR, deck_filter, deck_ids, named, normalise_deck_name  # noqa: F401 - re-exported
from srs.store.models import DEFAULT_PRESET_NAME, Deck, Preset


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
