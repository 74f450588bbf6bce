"""An open collection with ORM sessions: :class:`Collection`, a :class:`srs.store.database.Database`
that can also hand out ``Session`` objects on the models of :mod:`srs.store.models`.

Opening, pragmas, upgrades, locking and the Core transactions are :mod:`srs.store.database`'s;
this module adds ``read()``/``write()``/``transact()`` sessions in the same transactions
(``write()`` takes the same write lock and runs the same first-write hook).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine  # noqa: F401 - Connection: the type of a Core transaction, for the use cases
from sqlalchemy.orm import Session, sessionmaker

from srs.store.database import (  # noqa: F401 - the collection's helpers, importable from here as before
    ENV_VAR,
    Database,
    check_url,
    default_collection_path,
    default_preset_values,
    display_name,
    is_lock_error,
    one_line,
    resolve_url,
    sqlite_file,
)
from srs.store.models import DEFAULT_PRESET_NAME, Preset

T = TypeVar("T")


class Collection(Database):
    """An open collection. Create with :meth:`open`; use :meth:`read`/:meth:`write` sessions
    (or the Core connections of :class:`Database` on a hot path)."""

    def __init__(self, url: str, engine: Engine) -> None:
        super().__init__(url, engine)
        self._read_sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=self._write_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session in one transaction (a consistent snapshot under WAL)."""
        with self._read_sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error.

        The first write runs :attr:`before_first_write` once: the commands give it the day's
        automatic backup of an SQLite file (srs.app.backups: one ``stat`` when it exists).
        """
        self._before_first_write_once()
        with self._write_sessions() as session, session.begin():
            yield session

    def transact(self, action: Callable[[Session], T], *, attempts: int = 8) -> T:
        """Run ``action`` in a write transaction, retrying it whole if it hit a lock."""
        return self._retrying(self.write, action, attempts)


def default_preset(now: datetime, name: str = DEFAULT_PRESET_NAME) -> Preset:
    """A preset with FSRS-6 defaults and Anki's defaults for limits and steps."""
    return Preset(**default_preset_values(now, name))
