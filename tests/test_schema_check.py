"""Opening an up-to-date collection decides "no upgrade needed" without importing Alembic
(~150 ms, a quarter of ``srs status``; measured by the benchmark, see BENCHMARKS.md)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from srs.store import migrations


def test_declared_head_is_alembics_head() -> None:
    assert migrations.declared_head() == migrations.head_revision()


@pytest.mark.sqlite_only
def test_opening_an_up_to_date_collection_does_not_import_alembic(collection, db_path: Path, now: datetime) -> None:  # type: ignore[no-untyped-def]
    collection.close()
    code = (
        "import sys\n"
        "from datetime import datetime\n"
        "from srs.store.collection import Collection\n"
        f"c = Collection.open({str(db_path)!r}, now=datetime.fromisoformat({now.isoformat()!r}))\n"
        "c.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_unreadable_scripts_leave_the_decision_to_alembic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (versions / "0002_b.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    monkeypatch.setattr(migrations, "script_location", lambda: tmp_path)
    assert migrations.declared_head() == "0002"
    (versions / "0003_c.py").write_text('revision = "0003"\ndown_revision = ("0001", "0002")\n')  # a merge
    assert migrations.declared_head() is None
    (versions / "0003_c.py").write_text('revision = "0003"\ndown_revision = "0001"\n')  # two heads
    assert migrations.declared_head() is None


def test_collection_behind_head_is_still_upgraded(db_path: Path, now: datetime) -> None:
    from srs.store.collection import Collection

    collection = Collection.open(str(db_path), now=now, migrate=False)
    try:
        migrations.upgrade(collection, "0001")
        assert migrations.current_revision(collection) == "0001"
        migrations.upgrade_if_needed(collection, now=now)
        assert migrations.current_revision(collection) == migrations.head_revision()
    finally:
        collection.close()
