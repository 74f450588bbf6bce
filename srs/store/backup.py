"""Copies of an SQLite collection: consistent (SQLite's online backup API), mode 0600."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from srs.errors import CollectionError
from srs.files import private_folder
from srs.store.schema import cards

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def copy_sqlite(source: Path, destination: Path, *, name: Path | None = None) -> Path:
    """Copy the database at ``source`` to ``destination`` (a new file, mode 0600). ``name``:
    what error messages call the copy (the final name, when ``destination`` is a temporary)."""
    shown = name or destination
    private_folder(destination.parent)
    try:
        fd = os.open(destination, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise CollectionError(f"{shown}: already exists") from None
    except OSError as error:
        raise CollectionError(f"{shown}: cannot write backup ({error.strerror})") from None
    os.close(fd)
    try:
        with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
            src.backup(dst)
        # A copy is one self-contained file (no -wal/-shm beside it, even when opened read-only).
        copy = sqlite3.connect(destination, isolation_level=None)
        try:
            copy.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy.close()
    except sqlite3.Error as error:
        destination.unlink(missing_ok=True)
        raise CollectionError(f"{source}: backup failed ({error})") from None
    return destination


def sqlite_file_is_sound(path: Path) -> bool:
    """``PRAGMA quick_check`` of an SQLite file says ok (about 0.5 s for 170 MB)."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        finally:
            connection.close()
    except sqlite3.Error:
        return False


def timestamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def backup_before_migration(path: Path, revision: str, *, now: datetime) -> Path:
    """``<file>.<timestamp>.pre-<revision>.bak`` beside the collection file ``path``."""
    destination = path.with_name(f"{path.name}.{timestamp(now)}.pre-{revision}.bak")
    counter = 1
    while destination.exists():
        destination = path.with_name(f"{path.name}.{timestamp(now)}.pre-{revision}.{counter}.bak")
        counter += 1
    return copy_sqlite(path, destination)


def inspect_sqlite_collection(path: Path) -> tuple[str | None, int, int]:
    """Check that ``path`` is a readable, intact srs collection file.

    Returns ``(schema revision, cards, reviews)``; raises :class:`CollectionError` naming
    the problem otherwise (not SQLite, not srs, damaged).
    """
    if not path.is_file():
        raise CollectionError(f"{path}: no such file")
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise CollectionError(f"{path}: not an srs collection (not an SQLite database)")
    try:
        # Read-write open (only reads follow) so that a WAL-mode file's -wal/-shm are cleaned up on close.
        connection = sqlite3.connect(path)
    except sqlite3.Error as error:
        raise CollectionError(f"{path}: cannot open ({error})") from None
    try:
        tables = {row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")}
        if not {"alembic_version", "cards", "reviews"} <= tables:
            raise CollectionError(f"{path}: not an srs collection (no srs tables)")
        problems = [row[0] for row in connection.execute("pragma integrity_check")]
        if problems != ["ok"]:
            raise CollectionError(f"{path}: damaged ({'; '.join(problems[:3])})")
        row = connection.execute("select version_num from alembic_version").fetchone()
        cards = connection.execute("select count(*) from cards").fetchone()[0]
        reviews = connection.execute("select count(*) from reviews").fetchone()[0]
    except sqlite3.Error as error:
        raise CollectionError(f"{path}: cannot read ({error})") from None
    finally:
        connection.close()
    return (row[0] if row else None), int(cards), int(reviews)


def overwrite_sqlite(source: Path, destination: Path, *, timeout: float = 30.0) -> None:
    """Replace the content of the database ``destination`` with ``source``'s, in place.

    Goes through SQLite's backup API into the destination, under its write lock and in one
    transaction: other processes that have it open wait (busy timeout) and then see the new
    content; the WAL and its index stay consistent (never a file swapped under a reader).
    """
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(destination, timeout=timeout) as dst:
            src.backup(dst)
    except sqlite3.Error as error:
        raise CollectionError(f"{destination}: restore failed ({error})") from None


def collection_has_cards(connection: Connection | Session) -> bool:
    """True once the collection holds a card (an empty one is not worth a daily backup)."""
    return connection.scalar(select(cards.c.id).limit(1)) is not None
