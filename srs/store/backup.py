"""Copies of an SQLite collection: consistent (SQLite's online backup API), mode 0600."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from srs.errors import CollectionError

if TYPE_CHECKING:
    from srs.store.collection import Collection


def copy_sqlite(source: Path, destination: Path) -> Path:
    """Copy the database at ``source`` to ``destination`` (a new file, mode 0600)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(destination, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise CollectionError(f"{destination}: already exists") from None
    except OSError as error:
        raise CollectionError(f"{destination}: cannot write backup ({error.strerror})") from None
    os.close(fd)
    try:
        with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
            src.backup(dst)
        sqlite3.connect(destination).close()
    except sqlite3.Error as error:
        destination.unlink(missing_ok=True)
        raise CollectionError(f"{source}: backup failed ({error})") from None
    return destination


def timestamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def backup_before_migration(collection: Collection, revision: str, *, now: datetime) -> Path:
    """``<file>.<timestamp>.pre-<revision>.bak`` beside the collection."""
    assert collection.path is not None
    path = collection.path
    destination = path.with_name(f"{path.name}.{timestamp(now)}.pre-{revision}.bak")
    counter = 1
    while destination.exists():
        destination = path.with_name(f"{path.name}.{timestamp(now)}.pre-{revision}.{counter}.bak")
        counter += 1
    return copy_sqlite(path, destination)
