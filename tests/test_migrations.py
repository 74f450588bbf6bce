"""Schema: only through Alembic; models and migrations agree; old collections upgrade."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from srs.store import migrations
from srs.store.collection import Collection
from srs.store.models import Base


def test_autogenerate_finds_no_difference(collection: Collection) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with collection.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_revisions_form_one_line_of_history() -> None:
    scripts = migrations.script_directory()
    assert len(scripts.get_heads()) == 1
    revisions = list(scripts.walk_revisions())
    assert revisions[-1].down_revision is None


@pytest.mark.sqlite_only
def test_collection_at_first_revision_upgrades_keeping_rows_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    now = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
    old = Collection.open(str(path), now=now, migrate=False)
    migrations.upgrade(old, "0001")
    micros = 1_767_000_000_000_000
    with old.engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into presets (id, name, desired_retention, parameters, learning_steps, relearning_steps,"
                " maximum_interval, new_per_day, reviews_per_day, day_start_hour, timezone, enable_fuzz,"
                " bury_siblings, leech_threshold, updated_at) values (1, 'Default', 0.85, '[]', '[60]', '[600]',"
                " 36500, 20, 200, 4, 'UTC', 1, 1, 8, :t)"
            ),
            {"t": micros},
        )
        connection.execute(sa.text("insert into decks (id, name, preset_id, created_at) values (1, 'Papers', 1, :t)"), {"t": micros})
        connection.execute(
            sa.text(
                "insert into sources (id, path, size, mtime_ns, content_hash, imported_at)"
                " values (1, '/notes/a.md', 10, 1, 'abc', :t)"
            ),
            {"t": micros},
        )
        connection.execute(
            sa.text(
                "insert into cards (id, key, note_key, kind, deck_id, source_id, heading_path, front, back, content_hash,"
                " tags, origin, state, reps, lapses, suspended, created_at, updated_at)"
                " values (1, 'k1', 'n1', 'basic', 1, 1, '', 'Q', 'A', 'h', '', 'markdown', 0, 0, 0, 0, :t, :t)"
            ),
            {"t": micros},
        )
        connection.execute(
            sa.text(
                "insert into reviews (id, card_id, rating, reviewed_at, duration_ms, state_before, state, step,"
                " stability, difficulty, due, scheduled_days) values (1, 1, 3, :t, 1200, 0, 1, 1, 2.3, 2.1, :t, 0.0)"
            ),
            {"t": micros},
        )
    old.close()

    reopened = Collection.open(str(path), now=now)
    try:
        assert migrations.current_revision(reopened) == migrations.head_revision()
        with reopened.engine.connect() as connection:
            counts = {t: connection.execute(sa.text(f"select count(*) from {t}")).scalar() for t in ("presets", "decks", "sources", "cards", "reviews")}
            retention = connection.execute(sa.text("select desired_retention from presets where name='Default'")).scalar()
            reviewed_at = connection.execute(sa.text("select reviewed_at from reviews")).scalar()
        assert counts == {"presets": 1, "decks": 1, "sources": 1, "cards": 1, "reviews": 1}
        assert retention == 0.85
        assert reviewed_at == micros
    finally:
        reopened.close()
    backups = list(tmp_path.glob("old.db.*.pre-0001.bak"))
    assert len(backups) == 1
    assert (backups[0].stat().st_mode & 0o777) == 0o600
    import sqlite3

    with sqlite3.connect(backups[0]) as connection:
        assert connection.execute("select version_num from alembic_version").fetchone() == ("0001",)
        assert connection.execute("select count(*) from reviews").fetchone() == (1,)


def test_newer_collection_is_refused(collection: Collection, db_url: str, now: datetime) -> None:
    from srs.errors import CollectionError

    with collection.engine.begin() as connection:
        connection.execute(sa.text("update alembic_version set version_num = '9999'"))
    with pytest.raises(CollectionError, match="newer version of srs"):
        Collection.open(db_url, now=now)


def test_non_editable_install_finds_migrations(tmp_path: Path) -> None:
    """``pip install .`` (not editable) carries the migrations: a collection opens at head."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(root)],
        check=True,
        capture_output=True,
    )
    assert (target / "srs" / "_migrations" / "versions").is_dir()
    assert not (target / "srs" / "_migrations").is_symlink()
    code = (
        "import srs, sys; from datetime import datetime, timezone\n"
        "from srs.store.collection import Collection\n"
        "from srs.store.migrations import current_revision, head_revision\n"
        "assert srs.__file__.startswith(sys.argv[1]), srs.__file__\n"
        "c = Collection.open(sys.argv[2], now=datetime.now(timezone.utc))\n"
        "print(current_revision(c), head_revision())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(target), str(tmp_path / "c.db")],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout.split()
    assert out[0] == out[1]
