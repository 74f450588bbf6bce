"""What every command shares: the collection it works on, the clock, the console."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from srs.store.collection import Collection
    from srs.store.database import Database

F = TypeVar("F", bound=Callable[..., Any])
D = TypeVar("D", bound="Database")

NOW_VAR = "SRS_NOW"  # testing hook: a fixed ISO-8601 instant for "now"


class App:
    """Created once per invocation by the ``srs`` group and passed to commands."""

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._collection: Database | None = None  # a Collection once a command asked for one
        self._console: Console | None = None
        self._err_console: Console | None = None

    def now(self) -> datetime:
        """The current instant (UTC), or the fixed one in ``SRS_NOW`` (for scripted tests)."""
        from srs.timeutil import as_utc, utc_now

        fixed = os.environ.get(NOW_VAR)
        if fixed:
            from srs.errors import ConfigError

            try:
                return as_utc(datetime.fromisoformat(fixed))
            except ValueError:
                raise ConfigError(f"{NOW_VAR}={fixed!r} is not an ISO-8601 time with a UTC offset") from None
        return utc_now()

    @property
    def console(self) -> Console:
        if self._console is None:
            from srs.render.console import make_console

            self._console = make_console()
        return self._console

    @property
    def err_console(self) -> Console:
        if self._err_console is None:
            from srs.render.console import make_console

            self._err_console = make_console(stderr=True)
        return self._err_console

    def collection(self) -> Collection:
        """The collection with ORM sessions, opened (created and upgraded if needed) on first use."""
        from srs.store.collection import Collection

        if not isinstance(self._collection, Collection):
            self.close()
            self._collection = self._opened(Collection)
        return self._collection

    def database(self) -> Database:
        """The collection through Core only, for a command that needs no ORM object (``srs
        status``, the card browser, ``srs import``): it does not import ``sqlalchemy.orm``. The
        same collection as :meth:`collection` (which it returns when that is already open)."""
        if self._collection is None:
            from srs.store.database import Database

            self._collection = self._opened(Database)
        return self._collection

    def _opened(self, kind: type[D]) -> D:
        from srs.app.backups import daily_backup_hook

        opened = kind.open(self.db, now=self.now())
        opened.before_first_write = daily_backup_hook(self.now())
        for note in opened.upgrade_notes:
            self.err_console.print(note, markup=False, highlight=False)
        return opened

    def close(self) -> None:
        if self._collection is not None:
            self._collection.close()
            self._collection = None


pass_app = click.make_pass_decorator(App)
