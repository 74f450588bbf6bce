"""Presets and collection settings: read and change them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from srs import config
from srs.errors import NotFoundError
from srs.store.models import DEFAULT_PRESET_NAME, Deck, Preset, Setting


def get_preset(session: Session, name: str = DEFAULT_PRESET_NAME) -> Preset:
    preset = session.scalar(select(Preset).where(Preset.name == name))
    if preset is None:
        known = ", ".join(session.scalars(select(Preset.name).order_by(Preset.name)))
        raise NotFoundError(f"unknown preset {name!r} (presets: {known})")
    return preset


def preset_for_deck(session: Session, deck_id: int) -> Preset:
    preset = session.scalar(select(Preset).join(Deck, Deck.preset_id == Preset.id).where(Deck.id == deck_id))
    assert preset is not None
    return preset


def get_setting(session: Session, key: str) -> Any:
    item = config.setting(key)
    row = session.get(Setting, item.key)
    return item.default if row is None else row.value


def set_value(session: Session, key: str, text: str, *, preset_name: str, now: datetime) -> tuple[config.Setting, Any]:
    """Parse ``text`` for ``key`` and store it; returns the setting and the stored value."""
    item, value = config.parse(key, text)
    if item.scope == config.PRESET:
        preset = get_preset(session, preset_name)
        setattr(preset, item.key, value)
        preset.updated_at = now
    else:
        row = session.get(Setting, item.key)
        if row is None:
            session.add(Setting(key=item.key, value=value))
        else:
            row.value = value
    return item, value


def all_values(session: Session, preset_name: str) -> list[tuple[config.Setting, Any]]:
    preset = get_preset(session, preset_name)
    values = []
    for item in config.SETTINGS.values():
        if item.scope == config.PRESET:
            values.append((item, getattr(preset, item.key)))
        else:
            values.append((item, get_setting(session, item.key)))
    return values
