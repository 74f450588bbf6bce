"""Collection-wide settings (``srs config``, no preset) read through Core, from a Core
connection or an ORM session alike: the daily backup reads ``backup_keep`` before the first
write of any command, including those that need no ORM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from srs.domain import config
from srs.store.schema import settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def get_setting(connection: Connection | Session, key: str) -> Any:
    """The value of the collection setting ``key``, or its default when it was never set."""
    item = config.setting(key)
    row = connection.execute(select(settings.c.value).where(settings.c.key == item.key)).first()
    return item.default if row is None else row.value
