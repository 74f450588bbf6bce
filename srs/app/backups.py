"""Backups of an SQLite collection: the daily automatic copy, ``srs backup``, ``srs restore``.

Every copy goes into ``backups/`` beside the collection file (folder mode 0700, files 0600)
through SQLite's online backup API, so a copy is consistent even while another process
writes. Names sort by time:

* ``<name>-YYYY-MM-DD.daily.db``: made automatically before the first write of a (local)
  calendar day by :func:`ensure_daily_backup`; the newest ``backup_keep`` (default 7) are kept.
* ``<name>-YYYYMMDD-HHMMSS.db``: ``srs backup`` without a path; never deleted by srs.
* ``<name>-YYYYMMDD-HHMMSS.before-restore.db``: what ``srs restore`` replaced.

Schema migrations leave their own ``<file>.<time>.pre-<revision>.bak`` beside the file
(:mod:`srs.store.backup`). A PostgreSQL collection is backed up with ``srs export --json``
(or ``pg_dump``); these functions refuse it with that hint.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from srs.errors import CollectionError
from srs.files import private_folder, replaced_atomically
from srs.store.backup import collection_has_cards, copy_sqlite, inspect_sqlite_collection, overwrite_sqlite, sqlite_file_is_sound
from srs.store.database import display_name, resolve_url, sqlite_file
from srs.store.migrations import script_directory
from srs.store.settings import get_setting
from srs.timeutil import UTC

if TYPE_CHECKING:
    from srs.store.database import Database

BACKUP_DIR = "backups"
DAILY_SUFFIX = ".daily.db"
log = logging.getLogger("srs")


def backup_dir(collection_path: Path) -> Path:
    return collection_path.parent / BACKUP_DIR


def _make_backup_dir(collection_path: Path) -> Path:
    return _make_folder(backup_dir(collection_path))


def _make_folder(folder: Path) -> Path:
    """``folder`` for backups, created (mode 0700, parents too) if it does not exist."""
    try:
        private_folder(folder)
    except FileExistsError:
        raise CollectionError(f"{folder}: exists and is not a folder") from None
    except OSError as error:
        raise CollectionError(f"{folder}: cannot create backup folder ({error.strerror})") from None
    return folder


def daily_backup_path(collection_path: Path, now: datetime) -> Path:
    """Where the automatic backup of ``now``'s local calendar day goes."""
    day = now.astimezone().strftime("%Y-%m-%d")
    return backup_dir(collection_path) / f"{collection_path.stem}-{day}{DAILY_SUFFIX}"


def _daily_pattern(collection_path: Path) -> re.Pattern[str]:
    return re.compile(re.escape(collection_path.stem) + r"-\d{4}-\d{2}-\d{2}" + re.escape(DAILY_SUFFIX) + "$")


def daily_backups(collection_path: Path) -> list[Path]:
    """The automatic backups of this collection, oldest first."""
    folder = backup_dir(collection_path)
    if not folder.is_dir():
        return []
    pattern = _daily_pattern(collection_path)
    return sorted(p for p in folder.iterdir() if pattern.match(p.name))


def prune_daily_backups(collection_path: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups; returns the deleted ones."""
    existing = daily_backups(collection_path)
    doomed = existing[: max(len(existing) - keep, 0)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def _copy_atomically(source: Path, destination: Path) -> Path:
    """Copy through a temporary name so that no half-written backup ever carries the name
    (:func:`srs.files.replaced_atomically`)."""
    with replaced_atomically(destination, what="backup") as temporary:
        copy_sqlite(source, temporary, name=destination)
    return destination


def ensure_daily_backup(collection: Database, now: datetime) -> Path | None:
    """Make today's automatic backup of ``collection`` unless it exists; prune old ones.
    The copy is checked (``PRAGMA quick_check``): a copy of a damaged file is removed, and
    no older backup is pruned for it.

    Costs one ``stat`` when today's backup exists. Skipped for a collection that is not an
    SQLite file, holds no cards yet, or has ``backup_keep`` 0. Returns the new backup's path.
    """
    if collection.path is None or not collection.path.exists():
        return None
    destination = daily_backup_path(collection.path, now)
    if destination.exists():
        return None

    with collection.read_core() as connection:
        keep = int(get_setting(connection, "backup_keep"))
        has_cards = collection_has_cards(connection)
    if keep <= 0 or not has_cards:
        return None
    _make_backup_dir(collection.path)
    _copy_atomically(collection.path, destination)
    if not sqlite_file_is_sound(destination):
        # A copy of a damaged file is no backup: keep the older, sound ones (none is pruned).
        destination.unlink(missing_ok=True)
        raise CollectionError(f"{collection.path}: the collection is damaged, so no automatic backup was made (run srs check)")
    prune_daily_backups(collection.path, keep)
    return destination


def daily_backup_hook(now: datetime) -> Callable[[Database], None]:
    """The day's automatic backup, for :attr:`Database.before_first_write` (the command layer
    sets it on every collection it opens): a failed backup never stops a write."""
    return lambda collection: _daily_backup(collection, now)


def _daily_backup(collection: Database, now: datetime) -> None:
    try:
        made = ensure_daily_backup(collection, now)
    except Exception as error:  # noqa: BLE001 - a backup problem must not block the user's work
        log.warning("srs: warning: automatic backup failed: %s", error)
        return
    if made is not None:
        log.debug("daily backup %s", made)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    cards: int
    reviews: int
    size: int

    def __str__(self) -> str:
        return f"Backed up {self.cards} cards and {self.reviews} reviews to {self.path} ({_size(self.size)})."


def _size(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def _require_file(collection_path: Path | None, url: str) -> Path:
    if collection_path is None:
        raise CollectionError(
            f"{display_name(url)}: not an SQLite file; back up a database server with srs export --json FILE (or pg_dump)"
        )
    return collection_path


def backup(collection: Database, destination: Path | None, *, now: datetime, into_folder: bool = False) -> BackupResult:
    """Copy the collection to ``destination``: a new file, or a folder to put it in (an
    existing folder, or any path with ``into_folder``, which the CLI sets for a path typed
    with a trailing slash; a missing folder is created with mode 0700, like ``backups/``)."""
    path = _require_file(collection.path, collection.url)
    name = f"{path.stem}-{now.astimezone().strftime('%Y%m%d-%H%M%S')}.db"
    if destination is None:
        target = _make_backup_dir(path) / name
    elif into_folder or destination.is_dir():
        target = _make_folder(destination.expanduser()) / name
    else:
        target = destination.expanduser()
    if target.exists() or target.is_symlink():
        kind = "already exists" if target.is_file() else "already exists and is not a regular file"
        raise CollectionError(f"{target}: {kind} (choose another name)")
    if target.resolve() == path.resolve():
        raise CollectionError(f"{target}: that is the collection itself")
    _copy_atomically(path, target)
    _revision, cards, reviews = inspect_sqlite_collection(target)
    return BackupResult(target, cards, reviews, target.stat().st_size)


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    target: Path
    cards: int
    reviews: int
    replaced: Path | None  # the copy of the collection that was replaced

    def __str__(self) -> str:
        text = f"Restored {self.target} from {self.source}: {self.cards} cards, {self.reviews} reviews."
        if self.replaced is not None:
            text += f"\nThe replaced collection was kept as {self.replaced}."
        return text


def restore(source: Path, target_url: str, *, now: datetime, overwrite: bool) -> RestoreResult:
    """Make the collection at ``target_url`` (an SQLite file) a copy of the backup ``source``.

    Refuses a source that is not an intact srs collection, or one made by a newer srs. An
    existing collection is only replaced when ``overwrite`` is set, and a copy of it is kept
    in ``backups/`` first. The content is written in place through SQLite's backup API, in one
    transaction: a crash leaves the old or the new collection, never a mixture. An older
    schema is upgraded the next time the collection is opened.
    """
    target_url = resolve_url(target_url)
    target = _require_file(sqlite_file(target_url), target_url)
    source = source.expanduser()
    revision, cards, reviews = inspect_sqlite_collection(source)
    known = {script.revision for script in script_directory().walk_revisions()}
    if revision is not None and revision not in known:
        raise CollectionError(f"{source}: made by a newer version of srs (schema {revision}); upgrade srs to restore it")
    if target.exists() and source.resolve() == target.resolve():
        raise CollectionError(f"{source}: that is the collection itself")
    replaced = None
    if target.exists() and target.stat().st_size > 0:
        if not overwrite:
            raise CollectionError(
                f"{target} exists and would be replaced by {source}; add --yes to replace it (a copy of it is kept in {backup_dir(target)})"
            )
        stamp = now.astimezone().strftime("%Y%m%d-%H%M%S")
        replaced = _make_backup_dir(target) / f"{target.stem}-{stamp}.before-restore.db"
        counter = 1
        while replaced.exists():
            replaced = backup_dir(target) / f"{target.stem}-{stamp}-{counter}.before-restore.db"
            counter += 1
        _copy_atomically(target, replaced)
        overwrite_sqlite(source, target)
    else:
        target.unlink(missing_ok=True)
        private_folder(target.parent)
        copy_sqlite(source, target)
    return RestoreResult(source, target, cards, reviews, replaced)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    modified: datetime


def list_backups(collection: Database) -> list[BackupInfo]:
    """Every file in the collection's ``backups/`` folder and its migration backups, oldest first."""
    path = _require_file(collection.path, collection.url)
    candidates = []
    folder = backup_dir(path)
    if folder.is_dir():
        candidates.extend(p for p in folder.iterdir() if p.is_file() and p.suffix == ".db" and not p.name.startswith("."))
    candidates.extend(path.parent.glob(f"{path.name}.*.bak"))
    infos = []
    for candidate in candidates:
        stat = candidate.stat()
        infos.append(BackupInfo(candidate, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
    return sorted(infos, key=lambda info: (info.modified, info.path.name))
