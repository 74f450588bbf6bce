"""Opening a collection's database: where it lives, SQLite pragmas, schema upgrades, Core transactions.

A collection is a database reached by an SQLAlchemy URL; a plain path means an SQLite file.
Opening one that is behind the newest migration upgrades it (after copying an SQLite file to
a timestamped backup beside it). Each user action runs in one short transaction:
``write_core()`` takes SQLite's write lock up front (``BEGIN IMMEDIATE``) so two processes wait
for each other (busy timeout) instead of failing with "database is locked" half-way.

:class:`Database` works through SQLAlchemy Core only (the tables of :mod:`srs.store.schema`):
a command that needs no ORM object (``srs status``, the card browser) opens one and never
imports ``sqlalchemy.orm``. :class:`srs.store.collection.Collection` adds the ORM sessions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from srs.domain.scheduling import DEFAULT_PARAMETERS
from srs.errors import CollectionError
from srs.files import private_folder
from srs.store.schema import DEFAULT_PRESET_NAME, presets
from srs.timeutil import system_timezone_name

T = TypeVar("T")
D = TypeVar("D", bound="Database")

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
ENV_VAR = "SRS_DB"


def default_collection_path() -> Path:
    """``collection.db`` in the user's data directory (platformdirs)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("srs", appauthor=False)) / "collection.db"


def resolve_url(value: str | None = None) -> str:
    """The SQLAlchemy URL for ``--db``/``SRS_DB``: an URL as given, a path as an SQLite URL.

    ``None`` (no ``--db``) means ``SRS_DB``, or the default collection when that is unset or
    empty; an empty ``value`` is an error, never a silent fall-back to another collection.
    """
    if value is None:
        value = os.environ.get(ENV_VAR, "").strip() or str(default_collection_path())
    elif not value.strip():
        raise CollectionError("--db is empty (give a collection file or a database URL)")
    if "://" in value:
        check_url(value)
        return value
    path = Path(value).expanduser()
    return f"sqlite:///{path.resolve() if path.exists() else path.absolute()}"


def check_url(url: str) -> None:
    """Raise :class:`CollectionError` unless ``url`` parses as an SQLAlchemy URL (a typo in
    the port, an unclosed ``[`` of an IPv6 host, an unknown dialect name...)."""
    try:
        make_url(url)
    except ArgumentError:
        raise CollectionError(f"invalid database URL {_hide_password(url)!r}") from None
    except ValueError:  # int() of what follows the host: "host:abc", or "[::1" without its "]"
        raise CollectionError(
            f"invalid database URL {_hide_password(url)!r}: the port after the host is not a number "
            "(an IPv6 host goes in brackets: [::1]:5432)"
        ) from None


def _hide_password(url: str) -> str:
    """``url`` with the password of ``user:password@`` replaced by ``***`` (for messages)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def sqlite_file(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for another database (or in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def display_name(url: str) -> str:
    """How to name a collection in messages: its file path, or its URL without password."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def _prepare_sqlite_file(path: Path) -> bool:
    """Check an existing file, or create a new one (mode 0600, parents too). True if new."""
    if path.exists():
        if path.is_dir():
            raise CollectionError(f"{path}: is a directory, not a collection file")
        try:
            with path.open("rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as error:
            raise CollectionError(f"{path}: cannot read collection ({error.strerror})") from None
        if header and header != SQLITE_HEADER:
            raise CollectionError(f"{path}: not an srs collection (not an SQLite database)")
        return not header
    try:
        private_folder(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return False
    except OSError as error:
        raise CollectionError(f"{path}: cannot create collection ({error.strerror})") from None
    return True


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("srs_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _server_engine(url: str) -> Engine:
    """A database server's engine. PostgreSQL: a write transaction first takes a
    transaction-scoped advisory lock, so writers of a collection take turns exactly as on
    SQLite (``BEGIN IMMEDIATE``): a card is read and updated with no other writer in between
    (no lost update under READ COMMITTED), readers are never blocked, and the lock goes with
    the transaction (also when a client dies)."""
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            if connection.get_execution_options().get("srs_begin") == "IMMEDIATE":
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7305001)")  # a constant: srs's writer lock

    return engine


def one_line(text: str) -> str:
    """A driver's message as one line: its lines joined with a space (psycopg adds a hint
    line such as "Is the server running on that host...?" after a tab)."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def is_lock_error(error: BaseException) -> bool:
    """True for SQLite's "database is locked"/"busy" and PostgreSQL serialization failures."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "database is busy" in text or "could not serialize" in text or "deadlock detected" in text


class Database:
    """An open collection, through Core. Create with :meth:`open`; use :meth:`read_core`/:meth:`write_core`."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.path = sqlite_file(url)
        self.is_sqlite = engine.dialect.name == "sqlite"
        # SQLite: BEGIN IMMEDIATE; PostgreSQL: the writer lock (see _server_engine).
        write_engine = engine.execution_options(srs_begin="IMMEDIATE")
        self._write_engine = write_engine
        # When it was opened (the caller's clock).
        self.opened_at: datetime | None = None
        # Run once before the first write: the command layer gives the day's automatic backup
        # (srs.app.backups.daily_backup_hook); the store does not import the layers above it.
        self.before_first_write: Callable[[Database], None] | None = None
        self._first_write_done = False
        # What the upgrade on opening did, for the user (a data migration's count of cards).
        self.upgrade_notes: list[str] = []

    @property
    def name(self) -> str:
        return display_name(self.url)

    @classmethod
    def open(cls: type[D], url_or_path: str | None = None, *, now: datetime, migrate: bool = True) -> D:
        """Open (creating if needed) and upgrade the collection at ``url_or_path``."""
        url = resolve_url(url_or_path)
        path = sqlite_file(url)
        if path is not None:
            _prepare_sqlite_file(path)
            engine = _sqlite_engine(url)
        else:
            try:
                engine = _server_engine(url)
            except (ArgumentError, ImportError) as error:
                raise CollectionError(f"cannot use database {display_name(url)}: {error}") from None
        collection = cls(url, engine)
        collection.opened_at = now
        try:
            if migrate:
                from srs.store.migrations import upgrade_if_needed

                upgrade_if_needed(collection, now=now)
                collection.ensure_defaults(now)
        except DatabaseError as error:
            engine.dispose()
            detail = one_line(str(error.orig) if error.orig else str(error))
            if "malformed" in detail:
                raise CollectionError(
                    f"{collection.name}: the collection is damaged ({detail}); restore a backup (srs backup --list, srs restore)"
                ) from None
            if "not a database" in detail:
                raise CollectionError(f"{collection.name}: not an srs collection ({detail})") from None
            raise CollectionError(f"{collection.name}: cannot open collection ({detail})") from None
        except BaseException:
            engine.dispose()
            raise
        return collection

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self: D) -> D:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _before_first_write_once(self) -> None:
        if not self._first_write_done:
            self._first_write_done = True
            if self.before_first_write is not None:
                self.before_first_write(self)

    @contextmanager
    def read_core(self) -> Iterator[Connection]:
        """A Core connection in one read transaction (a consistent snapshot under WAL): no
        ORM Session to build, flush and close."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write_core(self) -> Iterator[Connection]:
        """A Core connection in one write transaction, committed on success and rolled back on
        any error. The first write runs :attr:`before_first_write` once: the commands give it the
        day's automatic backup of an SQLite file (srs.app.backups: one ``stat`` when it exists)."""
        self._before_first_write_once()
        with self._write_engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write_derived(self) -> Iterator[Connection]:
        """A write transaction for data derived from the review log (the statistics caches):
        without the first-write hook, as losing it loses nothing (the log rebuilds it)."""
        with self._write_engine.connect() as connection, connection.begin():
            yield connection

    def transact_core(self, action: Callable[[Connection], T], *, attempts: int = 8) -> T:
        """Run ``action`` in a write transaction (:meth:`write_core`), retrying it whole if it hit a lock."""
        return self._retrying(self.write_core, action, attempts)

    def _retrying(self, opened: Callable[[], Any], action: Callable[[Any], T], attempts: int) -> T:
        delay = 0.05
        for attempt in range(attempts):
            try:
                with opened() as handle:
                    return action(handle)
            except OperationalError as error:
                if not is_lock_error(error) or attempt == attempts - 1:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    def ensure_defaults(self, now: datetime) -> None:
        """Create the default preset on a new collection."""
        named = select(presets.c.id).where(presets.c.name == DEFAULT_PRESET_NAME)
        with self.read_core() as connection:
            if connection.scalar(named) is not None:
                return

        def create(connection: Connection) -> None:
            if connection.scalar(named) is None:
                connection.execute(insert(presets).values(default_preset_values(now)))

        self.transact_core(create)

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()


def default_preset_values(now: datetime, name: str = DEFAULT_PRESET_NAME) -> dict[str, Any]:
    """A preset's columns with FSRS-6 defaults and Anki's defaults for limits and steps."""
    return {
        "name": name,
        "desired_retention": 0.9,
        "parameters": list(DEFAULT_PARAMETERS),
        "learning_steps": [60, 600],
        "relearning_steps": [600],
        "maximum_interval": 36500,
        "new_per_day": 20,
        "reviews_per_day": 200,
        "day_start_hour": 4,
        "timezone": system_timezone_name(),
        "enable_fuzz": True,
        "bury_siblings": True,
        "leech_threshold": 8,
        "updated_at": now,
    }
