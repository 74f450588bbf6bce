"""``srs config``: read and change settings in one transaction each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from srs.domain import config
from srs.store.collection import Collection
from srs.store.presets import all_values, set_value


def show_settings(collection: Collection, preset: str) -> list[tuple[config.Setting, str]]:
    with collection.read() as session:
        return [(item, item.show(value)) for item, value in all_values(session, preset)]


def change_setting(
    collection: Collection, key: str, text: str, *, preset: str, now: datetime, root: str | None = None
) -> tuple[config.Setting, str]:
    """Change one setting; ``root`` (a folder or file, for the import_* settings) limits it to
    the notes imported from there."""
    if root is not None:
        import os

        root = os.path.realpath(os.path.expanduser(root))

    def action(session: Any) -> tuple[config.Setting, str]:
        item, value = set_value(session, key, text, preset_name=preset, now=now, root=root)
        return item, item.show(value)

    return collection.transact(action)
