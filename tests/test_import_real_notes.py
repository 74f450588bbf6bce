"""Import on real notes (issue 20): no file can abort an import, every plan and note format gives the right cards.

Every fixture in ``tests/fixtures/real_notes/`` is our own text, written in the shape of a class of real
input that once went wrong.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from conftest import FIXTURES
from srs import importing
from srs.importing import import_notes
from srs.store.models import Card

REAL = FIXTURES / "real_notes"


def report_of(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def active_cards(collection) -> list[tuple[int, str, str, str]]:  # type: ignore[no-untyped-def]
    with collection.read() as session:
        rows = session.execute(
            select(Card.id, Card.key, Card.front, Card.back, Card.source_path).where(Card.retired_at.is_(None)).order_by(Card.id)
        ).all()
    return [tuple(row) for row in rows]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    monkeypatch.chdir(tmp_path)
    return notes


def put(folder: Path, *names: str) -> None:
    for name in names:
        shutil.copy(REAL / name, folder / name)


# -- 1. no file can abort an import -------------------------------------------------------------


def test_headings_that_give_the_same_key_text_give_distinct_keys(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    """A preamble and an empty heading (``##``, ``## ``), headings equal once squashed, and a heading
    holding the crumb separator: every card gets its own key, and a second import changes nothing."""
    put(folder, "empty_headings.md", "plain.md")
    data = report_of(srs("import", "notes", "--json"))
    assert data["totals"]["new"] == 8 and data["problems"] == []
    cards = active_cards(collection)
    assert len({key for _id, key, *_ in cards}) == len(cards) == 8
    fronts = {back: front for _id, _key, front, back, _path in cards}
    assert fronts["The body under a heading that has no text."] == "empty_headings"  # an empty heading adds no crumb
    again = report_of(srs("import", "--json"))
    assert again["totals"]["unchanged"] == 8 and again["changes"] == []
    # Deleting the preamble renumbers the empty-heading repeats; their cards keep their ids.
    text = (folder / "empty_headings.md").read_text(encoding="utf-8")
    (folder / "empty_headings.md").write_text(text.split("\n", 2)[2], encoding="utf-8")
    third = report_of(srs("import", "--json"))
    assert third["totals"]["retired"] == 1 and third["totals"]["new"] == 0
    assert {row[0] for row in active_cards(collection)} < {row[0] for row in cards}


def test_a_failure_while_planning_one_file_does_not_stop_the_others(srs, folder: Path, collection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    put(folder, "empty_headings.md", "plain.md")
    real_plan_file = importing._plan_file

    def failing(item, where):  # type: ignore[no-untyped-def]
        if where.path.endswith("plain.md"):
            raise ValueError("injected")
        return real_plan_file(item, where)

    monkeypatch.setattr(importing, "_plan_file", failing)
    result = srs("import", "notes", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "skipped: notes/plain.md: not imported (ValueError: injected); the file's cards are kept as they were" in result.output
    assert {Path(path).name for *_rest, path in active_cards(collection)} == {"empty_headings.md"}
    monkeypatch.undo()
    # The failed file was not recorded as read: the next import reads it again.
    data = report_of(srs("import", "--json"))
    assert data["totals"]["new"] == 1 and data["problems"] == []


def test_a_failure_while_parsing_one_file_keeps_its_cards(srs, folder: Path, collection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    put(folder, "empty_headings.md", "plain.md")
    assert srs("import", "notes").exit_code == 0
    before = active_cards(collection)
    for name in ("empty_headings.md", "plain.md"):
        (folder / name).write_text((folder / name).read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    real_parse = importing.parse_markdown

    def failing(text: str, path: str):  # type: ignore[no-untyped-def]
        if path.endswith("empty_headings.md"):
            raise RecursionError("injected")
        return real_parse(text, path)

    monkeypatch.setattr(importing, "parse_markdown", failing)
    data = report_of(srs("import", "--json"))
    [problem] = data["problems"]
    assert problem["path"] == "notes/empty_headings.md" and problem["kind"] == "skipped"
    assert data["totals"]["updated"] == 1 and data["totals"]["retired"] == 0
    kept = [row for row in active_cards(collection) if row[4].endswith("empty_headings.md")]
    assert kept == [row for row in before if row[4].endswith("empty_headings.md")]


def test_a_card_whose_key_another_card_holds_skips_only_its_file(srs, folder: Path, collection) -> None:  # type: ignore[no-untyped-def]
    """A damaged collection (a card moved to another path by hand keeps its key): the file whose
    card wants that key is skipped with ``path:line: reason``; the others are imported."""
    put(folder, "plain.md")
    assert srs("import", "notes").exit_code == 0
    with collection.write() as session:
        session.execute(update(Card).values(source_path="/elsewhere/plain.md"))
    put(folder, "empty_headings.md")
    (folder / "plain.md").write_text((folder / "plain.md").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    data = report_of(srs("import", "--json"))
    [problem] = data["problems"]
    assert problem["path"] == "notes/plain.md" and problem["line"] == 3 and "held by card" in problem["reason"]
    assert data["totals"]["new"] == 7


def test_an_unexpected_error_while_writing_is_one_error_line_and_nothing_written(srs, folder: Path, collection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from srs.store import imports as q

    put(folder, "plain.md")
    assert srs("import", "notes").exit_code == 0
    before = active_cards(collection)
    put(folder, "empty_headings.md")

    def explode(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(q, "insert_cards", explode)
    result = srs("import")
    assert result.exit_code == 1
    assert result.output.splitlines() == ["Error: internal error during import (RuntimeError: disk on fire); nothing was written"]
    assert active_cards(collection) == before
    monkeypatch.undo()
    assert report_of(srs("import", "--json"))["totals"]["new"] == 7


def test_workers_report_a_failing_file_too(folder: Path, collection, now, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The same isolation when files are parsed by the process pool."""
    for index in range(10):
        (folder / f"n{index}.md").write_text(f"# N{index}\n\n## Part\n\nBody {index}.\n", encoding="utf-8")
    monkeypatch.setattr(importing, "POOL_MIN_FILES", 4)
    real_parse = importing.parse_markdown

    def failing(text: str, path: str):  # type: ignore[no-untyped-def]
        if path.endswith("n3.md"):
            raise ValueError("injected")
        return real_parse(text, path)

    monkeypatch.setattr(importing, "parse_markdown", failing)
    report = import_notes(collection, [folder], now=now, workers=2)
    assert report.totals.new == 9 and [p.path for p in report.problems] == ["notes/n3.md"]
