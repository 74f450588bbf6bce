"""Presets and collection settings: read and change them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from srs.domain import config
from srs.errors import ConfigError, NotFoundError
from srs.store.models import DEFAULT_PRESET_NAME, Deck, Preset, Setting
from srs.store.settings import ALL_ROOTS, IMPORT_SYNTAX_KEY, get_setting, import_syntax  # noqa: F401 - re-exported


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


def set_value(
    session: Session, key: str, text: str, *, preset_name: str, now: datetime, root: str | None = None
) -> tuple[config.Setting, Any]:
    """Parse ``text`` for ``key`` and store it; returns the setting and the stored value.
    ``root`` (an import setting only) limits it to the notes of that imported folder."""
    item, value = config.parse(key, text)
    if root is not None and item.scope != config.IMPORT:
        raise ConfigError(f"{item.key} is not set per folder (--root goes with the import_* settings)")
    if item.scope == config.IMPORT:
        syntax = import_syntax(session)
        scope = root or ALL_ROOTS
        syntax[scope] = {**syntax.get(scope, {}), item.key: value}
        row = session.get(Setting, IMPORT_SYNTAX_KEY)
        if row is None:
            session.add(Setting(key=IMPORT_SYNTAX_KEY, value=syntax))
        else:
            row.value = syntax
    elif item.scope == config.PRESET:
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
        elif item.scope == config.IMPORT:
            values.append((item, import_syntax(session).get(ALL_ROOTS, {}).get(item.key, item.default)))
        else:
            values.append((item, get_setting(session, item.key)))
    return values


def all_decks_use(session: Session, preset_id: int) -> bool:
    """Every deck uses this preset (so a query of its review log needs no deck filter)."""
    return not session.scalar(select(func.count()).select_from(Deck).where(Deck.preset_id != preset_id))


def decks_using_outside(session: Session, preset_id: int, deck_ids: list[int]) -> int:
    """How many decks outside ``deck_ids`` use this preset too."""
    return int(session.scalar(select(func.count()).select_from(Deck).where(Deck.preset_id == preset_id, Deck.id.not_in(deck_ids))) or 0)
