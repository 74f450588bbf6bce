"""``srs import-json`` checks every value by type and range before it is written (issue 21,
defects 2 and 4), and ``srs check`` reports and repairs a value it can read but not use.

Each case changes one field of one row of a real export and expects one line
``Error: FILE:LINE: tables.TABLE.rows[N].COLUMN: reason``, exit 1, and an empty collection.
The expectations are written out here, not computed from the importer's own limits.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from factories import add_card, add_reviews
from test_transfer import dump, other_url  # noqa: F401 - the fixture

from srs.app.transfer import export_json
from srs.store.collection import Collection, resolve_url

FAR_FUTURE = "9999-12-31T23:59:59.999999+00:00"


def _export(collection: Collection, now: datetime, tmp_path: Path) -> dict[str, Any]:
    with collection.write() as session:
        for number in range(2):
            card = add_card(session, now=now, deck="Default", front=f"Q{number}", back=f"A{number}")
            add_reviews(session, card, [(3, now)])
    export_json(collection, tmp_path / "out.json", now=now)
    return json.loads((tmp_path / "out.json").read_text())


def _with(document: dict[str, Any], table: str, row: int, column: str, value: Any) -> dict[str, Any]:
    columns = document["tables"][table]["columns"]
    document["tables"][table]["rows"][row][columns.index(column)] = value
    return document


# (table, row, column, value written, the reason expected after "tables.T.rows[N].C: ")
CASES = {
    "time without offset": ("reviews", 0, "reviewed_at", "2026-03-02T12:00:00", "time '2026-03-02T12:00:00' has no UTC offset"),
    "time as a number": ("reviews", 1, "reviewed_at", 1772452800, "expected an ISO 8601 time, got 1772452800"),
    "far-future time": ("reviews", 0, "reviewed_at", FAR_FUTURE, f"time {FAR_FUTURE!r} is outside the years 1970 to 2199"),
    "far-past time": ("cards", 0, "created_at", "0001-01-01T00:00:00+00:00", "time '0001-01-01T00:00:00+00:00' is outside the years 1970 to 2199"),
    "true as an integer": ("reviews", 0, "rating", True, "expected a whole number, got True"),
    "null": ("reviews", 0, "rating", None, "must not be null"),
    "number as text": ("reviews", 0, "rating", "3", "expected a whole number, got '3'"),
    "float as text": ("cards", 0, "stability", "2.5", "expected a number, got '2.5'"),
    "integer over 64 bits": ("reviews", 0, "duration_ms", 10**30, f"{10**30} is out of range (-2147483648 to 2147483647)"),
    "integer over 32 bits": ("reviews", 0, "duration_ms", 2**31, "2147483648 is out of range (-2147483648 to 2147483647)"),
    "big integer over 64 bits": ("sources", 0, "size", 2**63, "9223372036854775808 is out of range (-9223372036854775808 to 9223372036854775807)"),
    "rating 7": ("reviews", 1, "rating", 7, "rating 7 is not 1 (again), 2 (hard), 3 (good) or 4 (easy)"),
    "rating 0": ("reviews", 0, "rating", 0, "rating 0 is not 1 (again), 2 (hard), 3 (good) or 4 (easy)"),
    "negative duration": ("reviews", 0, "duration_ms", -5, "-5 is negative"),
    "unknown state": ("cards", 1, "state", 9, "state 9 is not 0 (new), 1 (learning), 2 (review) or 3 (relearning)"),
    "negative reps": ("cards", 0, "reps", -1, "-1 is negative"),
    "not a number": ("cards", 0, "stability", float("nan"), "NaN is not a finite number"),
    "infinite": ("reviews", 0, "scheduled_days", float("inf"), "Infinity is not a finite number"),
    "boolean as a number": ("cards", 0, "suspended", 0, "expected true or false, got 0"),
    "text as a number": ("cards", 0, "front", 12, "expected text, got 12"),
    "a long text is quoted cut short": ("reviews", 0, "rating", "9" * 100_000, "expected a whole number, got '" + "9" * 60 + "… (100,000 characters)"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_value_is_checked_before_anything_is_written(case: str, collection: Collection, other_url: str, now: datetime, tmp_path: Path, srs) -> None:  # noqa: F811
    table, row, column, value, reason = CASES[case]
    document = _export(collection, now, tmp_path)
    if table == "sources":
        document["tables"]["sources"]["rows"] = [[1, "/notes/a.md", None, 10, 5, "ab" * 32, "2026-03-02T12:00:00.000000+00:00", None]]
        document["tables"]["sources"]["columns"] = ["id", "path", "root_id", "size", "mtime_ns", "content_hash", "imported_at", "tasks"]
        document["counts"]["sources"] = 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_with(document, table, row, column, value)))
    result = srs("--db", other_url, "import-json", str(bad))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    prefix = f"Error: {bad}:1: tables.{table}.rows[{row}].{column}: "
    assert result.output.strip() == prefix + reason
    after = dump(other_url)
    assert all(after[t] == [] for t in ("decks", "cards", "reviews", "sources", "import_roots", "settings"))


def test_the_values_at_the_edges_are_accepted(collection: Collection, other_url: str, now: datetime, tmp_path: Path, srs) -> None:  # noqa: F811
    document = _export(collection, now, tmp_path)
    _with(document, "reviews", 0, "rating", 1)
    _with(document, "reviews", 1, "rating", 4)
    _with(document, "reviews", 0, "duration_ms", 2**31 - 1)
    _with(document, "reviews", 1, "duration_ms", 0)
    _with(document, "cards", 0, "created_at", "1970-01-01T00:00:00+00:00")
    _with(document, "cards", 1, "created_at", "2199-12-31T23:59:59.999999+00:00")
    _with(document, "cards", 1, "created_at", "2199-12-31T23:59:59.999999+00:00")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(document))
    result = srs("--db", other_url, "import-json", str(good))
    assert result.exit_code == 0, result.output


def _far_future_review(url: str) -> None:
    """What an older srs let import-json write: one review at the last microsecond of 9999."""
    engine = sa.create_engine(resolve_url(url))
    micros = 253402300799999999  # 9999-12-31T23:59:59.999999Z
    with engine.begin() as connection:
        connection.execute(sa.text("update reviews set reviewed_at = :m where id = (select min(id) from reviews)"), {"m": micros})
    engine.dispose()


def test_check_reports_and_repairs_a_far_future_review(collection: Collection, db_url: str, now: datetime, srs) -> None:
    with collection.write() as session:
        card = add_card(session, now=now, deck="Default", front="Q", back="A")
        add_reviews(session, card, [(3, now)])
    _far_future_review(db_url)
    report = srs("check")
    assert "Traceback" not in report.output
    assert report.exit_code == 1, report.output
    assert "1 stored time that cannot be read as a time" in report.output, report.output
    fixed = srs("check", "--fix")
    assert fixed.exit_code == 0 and "Traceback" not in fixed.output, fixed.output
    again = srs("check")
    assert again.exit_code == 0, again.output


def test_check_reports_a_log_the_scheduler_cannot_follow_and_goes_on(collection: Collection, now: datetime, srs, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a replay raises on one card's log is a finding about that card, not a traceback."""
    import srs.app.check as check_module

    with collection.write() as session:
        for number in range(2):
            card = add_card(session, now=now, deck="Default", front=f"Q{number}", back="A")
            add_reviews(session, card, [(3, now)])
        first = card.id - 1
    real = check_module.replay

    def replay(events, settings, seed):  # type: ignore[no-untyped-def]
        if seed == first:
            raise OverflowError("date value out of range")
        return real(events, settings, seed=seed)

    monkeypatch.setattr(check_module, "replay", replay)
    for args in (("check",), ("check", "--fix")):
        result = srs(*args)
        assert "Traceback" not in result.output and result.exit_code == 1, result.output
        assert "1 card whose review log cannot be replayed" in result.output
        assert f"card {first} \"Q0\": date value out of range" in result.output


@pytest.mark.parametrize(
    ("action", "counts", "size", "expected"),
    [
        ("Exported", {"cards": 1, "reviews": 2, "decks": 1, "presets": 3}, 1536, "Exported 1 card, 2 reviews, 1 deck, 3 presets to /x/c.json (1.5 KiB)."),
        ("Imported", {"cards": 12_345, "reviews": 1, "decks": 0}, 1024 * 1024 - 1, "Imported 12,345 cards, 1 review, 0 decks, 0 presets from /x/c.json (1024.0 KiB)."),
        ("Imported", {}, 3 * 1024 * 1024 + 512 * 1024, "Imported 0 cards, 0 reviews, 0 decks, 0 presets from /x/c.json (3.5 MiB)."),
    ],
)
def test_the_summary_line(action: str, counts: dict[str, int], size: int, expected: str) -> None:
    from srs.app.transfer import TransferSummary

    assert str(TransferSummary(action, Path("/x/c.json"), counts, size)) == expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": "1"}, "invalid format version '1'"),
        ({"version": True}, "invalid format version True"),
        ({"version": None}, "invalid format version None"),
        ({"format": "anki"}, "not an srs JSON export (format 'anki', expected 'srs-collection'; the header must come before the tables)"),
    ],
)
def test_a_bad_header_is_named(change: dict[str, Any], message: str, collection: Collection, other_url: str, now: datetime, tmp_path: Path, srs) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    document = {**_export(collection, now, tmp_path), **change}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    result = srs("--db", other_url, "import-json", str(bad))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == f"Error: {bad}:1: {message}"


def test_the_lowest_and_highest_values_of_each_integer_width_are_accepted(collection: Collection, other_url: str, now: datetime, tmp_path: Path, srs) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    document = _export(collection, now, tmp_path)
    document["tables"]["sources"] = {
        "columns": ["id", "path", "root_id", "size", "mtime_ns", "content_hash", "imported_at", "tasks"],
        "rows": [[1, "/notes/a.md", None, 2**63 - 1, -(2**63), "ab" * 32, "2026-03-02T12:00:00.000000+00:00", None]],
    }
    document["counts"]["sources"] = 1
    _with(document, "cards", 0, "source_line", -(2**31))
    _with(document, "cards", 1, "source_line", 2**31 - 1)
    good = tmp_path / "edges.json"
    good.write_text(json.dumps(document))
    result = srs("--db", other_url, "import-json", str(good))
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(resolve_url(other_url))
    with engine.connect() as connection:
        assert connection.execute(sa.text("select size, mtime_ns from sources")).one() == (2**63 - 1, -(2**63))
        assert sorted(connection.execute(sa.text("select source_line from cards")).scalars()) == [-(2**31), 2**31 - 1]
    engine.dispose()
