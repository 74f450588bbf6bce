"""The commands a user runs many times a day work through SQLAlchemy Core: ``srs status``, the
card browser and ``srs import`` (a re-import of unchanged notes above all) import neither
SQLAlchemy's ORM nor numpy nor Alembic (issue 18: each costs 50-150 ms of a command of a few
hundred). ``srs --help`` imports no SQLAlchemy at all (tests/test_foundation_cli.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

HEAVY = ("sqlalchemy.orm", "numpy", "alembic", "plotext")
ROOT = Path(__file__).resolve().parents[1]


def _loaded_by(args: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    code = (
        "import sys\n"
        "from srs.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr[-2000:]
    return eval(result.stdout.rsplit("LOADED", 1)[1])  # noqa: S307 - our own print of a list of names


@pytest.mark.sqlite_only
def test_status_cards_and_import_load_no_orm(srs, db_path: Path, tmp_path: Path, now: datetime) -> None:  # type: ignore[no-untyped-def]
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "plan.md").write_text("# Week 1\n\n- [x] Read the paper\n  Attention weighs the values.\n- [ ] Write the summary\n", encoding="utf-8")
    (notes / "cards.md").write_text("# Words\n\nWhat is a monad?\n?\nA monoid in the category of endofunctors.\n", encoding="utf-8")
    assert srs("import", str(notes)).exit_code == 0
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "SRS_DB": str(db_path), "SRS_NOW": now.isoformat(), "PYTHONPATH": path}
    for args in (["status"], ["status", "--deck", "notes"], ["cards", "is:new"], ["cards", "--json"], ["import"]):
        assert _loaded_by(args, env, tmp_path) == [], args
    (notes / "plan.md").write_text("# Week 1\n\n- [x] Read the paper\n  Attention weighs the values again.\n", encoding="utf-8")
    assert _loaded_by(["import"], env, tmp_path) == []  # a changed file too: the import is Core throughout
    with sqlite3.connect(db_path) as connection:  # the changed answer was written
        assert connection.execute("select count(*) from cards where back like '%again%' and retired_at is null").fetchone() == (1,)


@pytest.mark.sqlite_only
def test_stats_load_no_orm(collection, db_path: Path, tmp_path: Path, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """``srs stats`` and ``srs stats curve`` (issue 18: a daily command) work through Core on a
    ``Database``: with a history (caches built on the first call, then brought up to date and
    read), they import neither the ORM nor Alembic (numpy and plotext they need)."""
    from srs.app.synthetic import SyntheticSpec, write_synthetic

    write_synthetic(collection, SyntheticSpec(cards=30, reviews=200, span_days=60, seed=5), now=now, deck="Papers::NLP")
    collection.close()
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "SRS_DB": str(db_path), "SRS_NOW": now.isoformat(), "PYTHONPATH": path}
    with sqlite3.connect(db_path) as connection:
        card_id = connection.execute("select card_id from reviews order by id limit 1").fetchone()[0]
    for args in (["stats"], ["stats", "--json"], ["stats", "--deck", "papers"], ["stats", "curve", "--json"], ["stats", "curve"], ["stats", "curve", "--card", str(card_id)]):
        loaded = _loaded_by(args, env, tmp_path)
        assert "sqlalchemy.orm" not in loaded and "alembic" not in loaded, (args, loaded)
