"""Settings read through Core, from a Core connection or an ORM session alike: the
collection-wide ones (``srs config``, no preset; the daily backup reads ``backup_keep`` before
the first write of any command, including those that need no ORM) and what "today" means (the
Default preset's time zone and day start, for ``srs status`` and the card browser)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from srs.domain import config
from srs.errors import NotFoundError
from srs.store.schema import DEFAULT_PRESET_NAME, presets, settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


IMPORT_SYNTAX_KEY = "import_syntax"  # {"*" or a root's path: {setting key: value}}
ALL_ROOTS = "*"


def import_syntax(connection: Connection | Session) -> dict[str, dict[str, Any]]:
    """The import settings (``config.IMPORT``) by root path, ``"*"`` for the whole collection."""
    row = connection.execute(select(settings.c.value).where(settings.c.key == IMPORT_SYNTAX_KEY)).first()
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def get_setting(connection: Connection | Session, key: str) -> Any:
    """The value of the collection setting ``key``, or its default when it was never set."""
    item = config.setting(key)
    row = connection.execute(select(settings.c.value).where(settings.c.key == item.key)).first()
    return item.default if row is None else row.value


def day_settings(connection: Connection | Session, name: str = DEFAULT_PRESET_NAME) -> tuple[str, int]:
    """The preset's time zone and day-start hour (what "today" means)."""
    row = connection.execute(select(presets.c.timezone, presets.c.day_start_hour).where(presets.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"unknown preset {name!r}")
    return row.timezone, row.day_start_hour
