"""Backups: the daily automatic copy, ``srs backup``, ``srs restore``."""

from __future__ import annotations

import logging
import sqlite3
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import add_card, add_reviews

from srs.app import backups
from srs.errors import CollectionError
from srs.store.collection import Collection


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cards(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("select count(*) from cards").fetchone()[0]


def _open(db_url: str, now: datetime) -> Collection:
    """A collection opened as the command layer opens it: with the day's automatic backup as its hook."""
    collection = Collection.open(db_url, now=now)
    collection.before_first_write = backups.daily_backup_hook(now)
    return collection


def _add(db_url: str, now: datetime, count: int = 1) -> None:
    with _open(db_url, now) as collection, collection.write() as session:
        for _ in range(count):
            card = add_card(session, now=now)
            add_reviews(session, card, [(3, now)])


@pytest.mark.sqlite_only
def test_first_write_of_the_day_backs_up_the_collection_as_it_was(db_url: str, db_path: Path, now: datetime) -> None:
    _add(db_url, now, 2)  # day one: the collection was empty before, so nothing to back up
    assert backups.daily_backups(db_path) == []
    tomorrow = now + timedelta(days=1)
    _add(db_url, tomorrow, 1)
    made = backups.daily_backups(db_path)
    assert [p.name for p in made] == [f"collection-{tomorrow:%Y-%m-%d}.daily.db"]
    assert _cards(made[0]) == 2  # the copy was taken before the day's first write
    assert _cards(db_path) == 3
    assert _mode(made[0]) == 0o600
    assert _mode(made[0].parent) == 0o700
    assert not list(made[0].parent.glob("*-wal")) and not list(made[0].parent.glob(".*"))  # one self-contained file


@pytest.mark.sqlite_only
def test_the_store_alone_makes_no_backup(db_url: str, db_path: Path, now: datetime) -> None:
    """The backup is the command layer's hook, not an upward import of the store (no cycle)."""
    _add(db_url, now)
    with Collection.open(db_url, now=now + timedelta(days=1)) as collection, collection.write() as session:
        add_card(session, now=now + timedelta(days=1))
    assert backups.daily_backups(db_path) == []
    with _open(db_url, now + timedelta(days=1)) as collection:
        collection.transact(lambda session: None)
    assert len(backups.daily_backups(db_path)) == 1


@pytest.mark.sqlite_only
def test_once_today_s_backup_exists_a_write_costs_no_copy(db_url: str, db_path: Path, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    _add(db_url, now)
    _add(db_url, now + timedelta(days=1))
    assert len(backups.daily_backups(db_path)) == 1

    def forbidden(*_args: object) -> None:
        raise AssertionError("copied again")

    monkeypatch.setattr(backups, "copy_sqlite", forbidden)
    for hour in range(1, 4):  # more processes the same day
        _add(db_url, now + timedelta(days=1, hours=hour))
    assert len(backups.daily_backups(db_path)) == 1
    with _open(db_url, now + timedelta(days=1)) as collection:
        collection.transact(lambda session: None)
        collection.transact(lambda session: None)  # later writes of a process: not even a stat


@pytest.mark.sqlite_only
def test_only_the_newest_backup_keep_daily_backups_stay(db_url: str, db_path: Path, now: datetime, srs) -> None:
    _add(db_url, now)
    assert srs("config", "set", "backup_keep", "3").exit_code == 0
    manual = srs("backup")
    assert manual.exit_code == 0, manual.output
    for day in range(1, 7):
        _add(db_url, now + timedelta(days=day))
    kept = backups.daily_backups(db_path)
    assert [p.name for p in kept] == [f"collection-{now + timedelta(days=d):%Y-%m-%d}.daily.db" for d in (4, 5, 6)]
    assert len(list((db_path.parent / "backups").glob("collection-2*-*.db"))) == 1 + 3  # the manual one stays


@pytest.mark.sqlite_only
def test_backup_keep_zero_turns_daily_backups_off(db_url: str, db_path: Path, now: datetime, srs) -> None:
    _add(db_url, now)
    assert srs("config", "set", "backup_keep", "0", now=now + timedelta(days=1)).exit_code == 0  # (backed up first)
    for day in (2, 3):
        _add(db_url, now + timedelta(days=day))
    assert [p.name for p in backups.daily_backups(db_path)] == [f"collection-{now + timedelta(days=1):%Y-%m-%d}.daily.db"]


@pytest.mark.sqlite_only
def test_a_failing_backup_never_blocks_the_write(db_url: str, db_path: Path, now: datetime, caplog: pytest.LogCaptureFixture) -> None:
    _add(db_url, now)
    (db_path.parent / "backups").write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING, logger="srs"):
        _add(db_url, now + timedelta(days=1))
    assert _cards(db_path) == 2
    assert "automatic backup failed" in caplog.text


@pytest.mark.sqlite_only
def test_a_damaged_collection_gets_no_daily_backup_and_keeps_the_sound_ones(db_url: str, db_path: Path, now: datetime, srs) -> None:  # type: ignore[no-untyped-def]
    from damage import corrupt_table

    _add(db_url, now, 2)
    _add(db_url, now + timedelta(days=1))
    sound = backups.daily_backups(db_path)
    assert len(sound) == 1
    corrupt_table(str(db_path), "reviews")
    result = srs("check", "--fix", now=now + timedelta(days=2))
    assert result.exit_code == 1 and "restore a backup" in result.output
    assert backups.daily_backups(db_path) == sound  # no copy of the damage, nothing pruned


@pytest.mark.sqlite_only
def test_srs_backup_writes_a_private_consistent_copy(db_url: str, db_path: Path, now: datetime, srs, tmp_path: Path) -> None:
    _add(db_url, now, 3)
    result = srs("backup")
    assert result.exit_code == 0, result.output
    assert "Backed up 3 cards and 3 reviews to" in result.output
    made = next((db_path.parent / "backups").glob("collection-*.db"))
    assert _mode(made) == 0o600 and _cards(made) == 3

    target = tmp_path / "elsewhere" / "copy.db"
    target.parent.mkdir()
    assert srs("backup", str(target)).exit_code == 0
    assert _cards(target) == 3 and _mode(target) == 0o600
    again = srs("backup", str(target))
    assert again.exit_code == 1 and "already exists" in again.output
    into_folder = srs("backup", str(target.parent), now=now + timedelta(seconds=5))
    assert into_folder.exit_code == 0
    assert len(list(target.parent.glob("collection-*.db"))) == 1

    listing = srs("backup", "--list")
    assert listing.exit_code == 0 and str(made) in listing.output


@pytest.mark.sqlite_only
@pytest.mark.parametrize("typed", ["new-folder/", "new-folder/deeper/"])
def test_backup_to_a_path_ending_in_a_slash_goes_into_that_folder(db_url: str, now: datetime, srs, tmp_path: Path, typed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _add(db_url, now, 2)
    monkeypatch.chdir(tmp_path)
    result = srs("backup", typed)
    assert result.exit_code == 0, result.output
    folder = tmp_path / typed
    assert folder.is_dir() and _mode(folder) == 0o700
    made = list(folder.glob("collection-*.db"))
    assert len(made) == 1 and _cards(made[0]) == 2 and _mode(made[0]) == 0o600
    assert not (tmp_path / typed.rstrip("/")).is_file()


@pytest.mark.sqlite_only
def test_backup_refuses_an_existing_path_that_is_not_a_regular_file(db_url: str, now: datetime, srs, tmp_path: Path) -> None:
    import os

    _add(db_url, now)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)  # stands for any special file (a device, a socket): never opened here
    result = srs("backup", str(pipe))
    assert result.exit_code == 1
    assert result.output == f"Error: {pipe}: already exists and is not a regular file (choose another name)\n"
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)  # still the pipe
    plain = tmp_path / "plain"
    plain.write_text("x")
    refused = srs("backup", str(plain) + "/")
    assert refused.exit_code == 1 and refused.output == f"Error: {plain}: exists and is not a folder\n"


@pytest.mark.sqlite_only
def test_a_backup_that_fails_to_write_is_one_error_line_and_leaves_nothing(db_url: str, now: datetime, srs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    _add(db_url, now)
    target = tmp_path / "copy.db"

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)  # os itself: srs.files replaces the file
    result = srs("backup", str(target))
    assert result.exit_code == 1
    assert result.output == f"Error: {target}: cannot write backup (No space left on device)\n"
    assert list(tmp_path.glob("*copy.db*")) == []


@pytest.mark.sqlite_only
def test_restore_refuses_without_yes_then_replaces_and_keeps_the_old_one(db_url: str, db_path: Path, now: datetime, srs, tmp_path: Path) -> None:
    _add(db_url, now, 2)
    saved = tmp_path / "saved.db"
    assert srs("backup", str(saved)).exit_code == 0
    _add(db_url, now + timedelta(minutes=1), 5)
    assert _cards(db_path) == 7

    refused = srs("restore", str(saved))
    assert refused.exit_code == 1
    assert "add --yes to replace it" in refused.output
    assert _cards(db_path) == 7

    # Another process has the collection open while it is restored: it sees the restored content.
    other = Collection.open(db_url, now=now)
    try:
        restored = srs("restore", str(saved), "--yes", now=now + timedelta(hours=1))
        assert restored.exit_code == 0, restored.output
        assert "Restored" in restored.output and "2 cards, 2 reviews" in restored.output
        with other.read() as session:
            from sqlalchemy import func, select

            from srs.store.models import Card

            assert session.scalar(select(func.count()).select_from(Card)) == 2
    finally:
        other.close()
    assert _cards(db_path) == 2
    kept = list((db_path.parent / "backups").glob("*.before-restore.db"))
    assert len(kept) == 1 and _cards(kept[0]) == 7 and _mode(kept[0]) == 0o600
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
    assert srs("status").exit_code == 0


@pytest.mark.sqlite_only
def test_restore_into_a_new_place(db_url: str, now: datetime, srs, tmp_path: Path) -> None:
    _add(db_url, now, 2)
    saved = tmp_path / "saved.db"
    assert srs("backup", str(saved)).exit_code == 0
    fresh = tmp_path / "new" / "collection.db"
    result = srs("--db", str(fresh), "restore", str(saved))
    assert result.exit_code == 0, result.output
    assert _cards(fresh) == 2 and _mode(fresh) == 0o600


@pytest.mark.sqlite_only
def test_restore_refuses_what_is_not_a_usable_backup(db_url: str, now: datetime, srs, tmp_path: Path) -> None:
    _add(db_url, now)
    text_file = tmp_path / "notes.md"
    text_file.write_text("# not a database\n")
    result = srs("restore", str(text_file), "--yes")
    assert result.exit_code == 1 and "not an srs collection (not an SQLite database)" in result.output

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("create table t (x)")
    result = srs("restore", str(other), "--yes")
    assert result.exit_code == 1 and "no srs tables" in result.output

    missing = srs("restore", str(tmp_path / "nope.db"), "--yes")
    assert missing.exit_code == 1 and "no such file" in missing.output

    newer = tmp_path / "newer.db"
    assert srs("backup", str(newer)).exit_code == 0
    with sqlite3.connect(newer) as connection:
        connection.execute("update alembic_version set version_num = '9999'")
    result = srs("restore", str(newer), "--yes")
    assert result.exit_code == 1 and "newer version of srs" in result.output
    assert "Traceback" not in result.output


def test_database_server_collections_are_backed_up_with_export(db_url: str, srs) -> None:
    if "://" not in db_url:
        pytest.skip("the PostgreSQL run checks this")
    for args in (("backup",), ("restore", "x.db", "--yes")):
        result = srs(*args)
        assert result.exit_code == 1
        assert "not an SQLite file" in result.output and "srs export --json" in result.output


def test_backup_of_an_unknown_collection_path_is_an_error(tmp_path: Path, now: datetime) -> None:
    with pytest.raises(CollectionError):
        backups.restore(tmp_path / "missing.db", str(tmp_path / "c.db"), now=now, overwrite=True)
