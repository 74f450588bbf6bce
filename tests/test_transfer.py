"""``srs export --json`` / ``srs import-json``: a round trip gives an identical collection."""

from __future__ import annotations

import json
import stat
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from factories import add_card, add_reviews

from srs.app.transfer import export_json, import_json
from srs.store.collection import Collection, default_preset, resolve_url
from srs.store.models import Base, Card, Deck, ImportRoot, Review, Setting, Source


@pytest.fixture
def other_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second, empty collection on the same backend as ``db_url``."""
    from conftest import BACKEND

    if BACKEND == "postgresql":
        server = request.getfixturevalue("postgres_server")
        name = server.new_database()
        yield server.url(name)
        server.drop_database(name)
    else:
        yield str(tmp_path / "other.db")


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (typed values), in primary-key order, and the schema revision."""
    engine = sa.create_engine(resolve_url(url))
    try:
        with engine.connect() as connection:
            tables = {
                table.name: [tuple(row) for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables
            }
            tables["alembic_version"] = [tuple(r) for r in connection.execute(sa.text("select version_num from alembic_version"))]
            return tables
    finally:
        engine.dispose()


def fill_everything(collection: Collection, now: datetime, tmp_path: Path) -> None:
    """Rows in every table, with the awkward values: None, unicode, markup, NaN-free floats,
    booleans both ways, times with microseconds, JSON values."""
    (tmp_path / "notes").mkdir(exist_ok=True)
    (tmp_path / "notes" / "周计划.md").write_text("# Week 1\n")
    with collection.write() as session:
        papers = default_preset(now, name="Papers")
        papers.desired_retention = 0.83
        papers.learning_steps = [30, 600, 3600]
        papers.enable_fuzz = False
        papers.bury_siblings = False
        session.add(papers)
        session.flush()
        root = ImportRoot(path=str(tmp_path / "notes"), deck="Notes", added_at=now, last_import_at=None)
        session.add(root)
        session.flush()
        source = Source(path=str(tmp_path / "notes" / "周计划.md"), root_id=root.id, size=1234, mtime_ns=1_700_000_000_123_456_789, content_hash="ab" * 32, imported_at=now + timedelta(microseconds=7))
        session.add(source)
        session.add(Setting(key="backup_keep", value=3))
        session.add(Setting(key="editor", value="code -w"))
        session.flush()
        cards = []
        for number in range(6):
            card = add_card(session, now=now, deck="Papers::NLP" if number % 2 else "计划::第1周", front=f"问题 {number} [red]markup[/red] \x1b[31m", back="line\nnext\ttab", tags=" leech paper " if number == 3 else "")
            cards.append(card)
        cards[0].source_id = source.id
        cards[0].source_path = source.path
        cards[0].source_line = 12
        cards[0].heading_path = "Week 1 > Monday"
        cards[1].suspended = True
        cards[2].buried_until = now + timedelta(hours=20, microseconds=1)
        cards[3].retired_at = now
        cards[4].external_id = "1700000000123"
        cards[4].origin = "anki"
        session.flush()
        session.scalars(sa.select(Deck).where(Deck.name == "Papers::NLP")).one().preset_id = papers.id
        for number, card in enumerate(cards[:5]):
            events = [(3, now + timedelta(seconds=number, microseconds=123)), (3 if number % 2 else 1, now + timedelta(minutes=11)), (4, now + timedelta(days=4, hours=number))]
            add_reviews(session, card, events[: 1 + number % 3])


def test_round_trip_gives_an_identical_collection(collection: Collection, db_url: str, other_url: str, now: datetime, tmp_path: Path) -> None:
    fill_everything(collection, now, tmp_path)
    before = dump(db_url)
    assert all(before[name] for name in ("presets", "decks", "import_roots", "sources", "cards", "reviews", "settings"))
    exported = export_json(collection, tmp_path / "out.json", now=now)
    assert exported.counts["reviews"] == len(before["reviews"]) and exported.counts["cards"] == 6
    assert stat.S_IMODE((tmp_path / "out.json").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")] == []  # no temporary left

    with Collection.open(other_url, now=now + timedelta(days=9)) as target:
        imported = import_json(target, tmp_path / "out.json", now=now + timedelta(days=9))
    assert imported.counts == exported.counts
    assert dump(other_url) == before

    # A second export of the copy is the same file but for the export time.
    with Collection.open(other_url, now=now) as target:
        export_json(target, tmp_path / "again.json", now=now)
    assert (tmp_path / "again.json").read_text() == (tmp_path / "out.json").read_text()


def test_new_rows_after_an_import_get_fresh_ids(collection: Collection, other_url: str, now: datetime, tmp_path: Path) -> None:
    fill_everything(collection, now, tmp_path)
    export_json(collection, tmp_path / "out.json", now=now)
    with Collection.open(other_url, now=now) as target:
        import_json(target, tmp_path / "out.json", now=now)
        with target.write() as session:
            largest = session.scalar(sa.select(sa.func.max(Card.id)))
            card = add_card(session, now=now, deck="Papers::NLP")
            add_reviews(session, card, [(3, now + timedelta(days=30))])
            assert card.id == largest + 1
            assert session.scalar(sa.select(sa.func.count()).select_from(Review).where(Review.card_id == card.id)) == 1


def test_cli_round_trip_and_refusal_of_a_non_empty_collection(collection: Collection, db_url: str, other_url: str, now: datetime, tmp_path: Path, srs) -> None:
    fill_everything(collection, now, tmp_path)
    out = tmp_path / "collection.json"
    result = srs("export", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "Exported 6 cards, 9 reviews, 2 decks, 2 presets to" in result.output
    result = srs("--db", other_url, "import-json", str(out))
    assert result.exit_code == 0, result.output
    assert "Imported 6 cards, 9 reviews, 2 decks, 2 presets from" in result.output
    assert dump(other_url) == dump(db_url)

    refused = srs("--db", other_url, "import-json", str(out))
    assert refused.exit_code == 1
    assert "is not empty (2 decks, 1 import roots, 1 sources, 6 cards, 9 reviews)" in refused.output
    assert "import-json restores into an empty collection" in refused.output


def test_reformatted_file_imports_the_same(collection: Collection, db_url: str, other_url: str, now: datetime, tmp_path: Path) -> None:
    """The reader follows JSON, not our line layout: a pretty-printed file imports alike."""
    fill_everything(collection, now, tmp_path)
    export_json(collection, tmp_path / "out.json", now=now)
    document = json.loads((tmp_path / "out.json").read_text())
    (tmp_path / "pretty.json").write_text(json.dumps(document, indent=3, ensure_ascii=True))
    with Collection.open(other_url, now=now) as target:
        import_json(target, tmp_path / "pretty.json", now=now)
    assert dump(other_url) == dump(db_url)


def _exported(collection: Collection, now: datetime, tmp_path: Path) -> dict[str, Any]:
    fill_everything(collection, now, tmp_path)
    export_json(collection, tmp_path / "out.json", now=now)
    return json.loads((tmp_path / "out.json").read_text())


BAD_FILES = {
    "not json": (lambda doc, text: "this is { not json", "not an srs JSON export"),
    "truncated": (lambda doc, text: text[: len(text) * 2 // 3], "truncated"),
    "other format": (lambda doc, text: json.dumps({**doc, "format": "anki"}), "not an srs JSON export"),
    "newer version": (lambda doc, text: json.dumps({**doc, "version": 99}), "written by a newer srs (format version 99"),
    "unknown table": (lambda doc, text: json.dumps({**doc, "tables": {"gizmos": {"columns": [], "rows": []}}}), "unknown table 'gizmos'"),
    "unknown column": (
        lambda doc, text: json.dumps({**doc, "tables": {**doc["tables"], "cards": {**doc["tables"]["cards"], "columns": doc["tables"]["cards"]["columns"][:-1] + ["colour"]}}}),
        "unknown columns colour",
    ),
    "bad time": (
        lambda doc, text: text.replace('"2026-03-02T12:00:00.000000+00:00"', '"yesterday"', 1),
        "expected an ISO 8601 time, got 'yesterday'",
    ),
    "short row": (
        lambda doc, text: json.dumps({**doc, "tables": {"presets": {"columns": doc["tables"]["presets"]["columns"], "rows": [doc["tables"]["presets"]["rows"][0][:-1]]}}}),
        "a row must be a list of 15 values",
    ),
    "count mismatch": (
        lambda doc, text: json.dumps({**doc, "tables": {k: v for k, v in doc["tables"].items() if k != "reviews"}}),
        "table reviews: the header says 9 rows, the file holds 0",
    ),
    "broken reference": (
        lambda doc, text: json.dumps({**doc, "tables": {k: v for k, v in doc["tables"].items() if k not in {"decks", "cards", "reviews"}} | {"cards": doc["tables"]["cards"]}, "counts": {}}),
        "the database refused rows of table cards",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_with_one_line_and_nothing_written(case: str, collection: Collection, other_url: str, now: datetime, tmp_path: Path, srs) -> None:
    document = _exported(collection, now, tmp_path)
    text = (tmp_path / "out.json").read_text()
    make, message = BAD_FILES[case]
    bad = tmp_path / "bad.json"
    bad.write_text(make(document, text))
    result = srs("--db", other_url, "import-json", str(bad))
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {bad}"), result.output
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    after = dump(other_url)
    assert all(after[t] == [] for t in ("decks", "cards", "reviews", "sources", "import_roots", "settings"))
    assert len(after["presets"]) == 1  # the empty collection's default preset is still there


def test_error_names_the_line(collection: Collection, other_url: str, now: datetime, tmp_path: Path, srs) -> None:
    _exported(collection, now, tmp_path)
    lines = (tmp_path / "out.json").read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if '"reviews": {"columns"' in line) + 3
    lines[number - 1] = lines[number - 1].replace("[", '["three", ', 1)
    bad = tmp_path / "bad.json"
    bad.write_text("\n".join(lines))
    result = srs("--db", other_url, "import-json", str(bad))
    assert result.exit_code == 1
    assert f"Error: {bad}:{number}: tables.reviews.rows[" in result.output


def test_export_and_import_stream_in_flat_memory(collection: Collection, db_url: str, other_url: str, now: datetime, tmp_path: Path) -> None:
    """20,000 reviews: neither direction holds the rows in memory (a json.load of this file
    alone peaks at about 14 MB; the bound is 10 MB)."""
    with collection.write() as session:
        card_ids = [add_card(session, now=now).id for _ in range(200)]
    rows = [
        {"card_id": card_ids[i % 200], "rating": 1 + i % 4, "reviewed_at": now + timedelta(seconds=i), "duration_ms": i % 9000,
         "state_before": 2, "state": 2, "step": None, "stability": 1.5 + i / 7, "difficulty": 5.25, "due": now + timedelta(days=3, seconds=i),
         "elapsed_days": i / 3, "last_interval_days": 2.0, "scheduled_days": 3.0}
        for i in range(20_000)
    ]
    with collection.write() as session:
        for start in range(0, len(rows), 5000):
            session.execute(sa.insert(Review), rows[start : start + 5000])
    del rows
    path = tmp_path / "big.json"
    tracemalloc.start()
    try:
        export_json(collection, path, now=now)
        _, export_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with Collection.open(other_url, now=now) as target:
            imported = import_json(target, path, now=now)
        _, import_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert imported.counts["reviews"] == 20_000
    size = path.stat().st_size
    assert size > 3_000_000
    assert export_peak < 10_000_000, export_peak
    assert import_peak < 10_000_000, import_peak
    assert dump(other_url)["reviews"] == dump(db_url)["reviews"]


def test_moving_an_sqlite_collection_to_a_database_server(db_url: str, now: datetime, tmp_path: Path, srs) -> None:
    """The README's recipe: srs export --json from the file, srs import-json into the server."""
    if "://" not in db_url:
        pytest.skip("the PostgreSQL run checks this (the server is the test's collection there)")
    laptop = tmp_path / "laptop.db"
    with Collection.open(str(laptop), now=now) as collection:
        fill_everything(collection, now, tmp_path)
    out = tmp_path / "move.json"
    assert srs("--db", str(laptop), "export", "--json", str(out)).exit_code == 0
    result = srs("--db", db_url, "import-json", str(out))
    assert result.exit_code == 0, result.output
    assert dump(db_url) == dump(str(laptop))
    checked = srs("--db", db_url, "check")
    assert checked.exit_code == 0, checked.output


def test_paths_are_shown_as_typed(collection: Collection, now: datetime, tmp_path: Path, srs) -> None:
    fill_everything(collection, now, tmp_path)
    out = tmp_path / "[bold]export[red].json"
    result = srs("export", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.output


@pytest.mark.parametrize("failing", ["fsync", "write"])
def test_a_full_disk_is_one_error_line_and_leaves_the_target_untouched(
    failing: str, collection: Collection, now: datetime, tmp_path: Path, srs, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import io
    import os

    from srs.app import transfer

    fill_everything(collection, now, tmp_path)
    out = tmp_path / "export.json"
    out.write_text("the previous export\n")

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failing == "fsync":
        monkeypatch.setattr(transfer.os, "fsync", full)
    else:
        real_fdopen = os.fdopen

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            handle = real_fdopen(fd, *args, **kwargs)
            if isinstance(handle, io.TextIOWrapper):
                monkeypatch.setattr(handle, "write", full)
            return handle

        monkeypatch.setattr(transfer.os, "fdopen", fdopen)
    result = srs("export", "--json", str(out))
    assert result.exit_code == 1
    assert result.output == f"Error: {out}: cannot write (No space left on device)\n"
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if "export" in p.name) == ["export.json"]  # no temporary file left


def test_export_refuses_an_existing_special_file(collection: Collection, now: datetime, tmp_path: Path, srs) -> None:
    import os

    fill_everything(collection, now, tmp_path)
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)  # stands for a device such as /dev/full (never opened: a pipe would block)
    result = srs("export", "--json", str(pipe))
    assert result.exit_code == 1
    assert result.output == f"Error: {pipe}: already exists and is not a regular file (choose another name)\n"
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pipe")] == []
