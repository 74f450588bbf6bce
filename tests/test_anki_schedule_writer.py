"""srs.app.anki_schedule_writer: the schedule goes into the package in bulk (a fixed number of
statements, never one per card), and the package is the same as card by card."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from factories import add_card, add_reviews


class CountingConnection:
    """An sqlite3 connection that counts the statements its caller sends."""

    def __init__(self, connection: sqlite3.Connection, counts: list[int]) -> None:
        self._connection, self._counts = connection, counts

    def execute(self, *args: Any) -> Any:
        self._counts.append(1)
        return self._connection.execute(*args)

    def executemany(self, *args: Any) -> Any:
        self._counts.append(1)
        return self._connection.executemany(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


def export_statements(srs, collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cards: int) -> tuple[int, list[tuple[Any, ...]]]:  # type: ignore[no-untyped-def]
    with collection.write() as session:
        for number in range(cards):
            card = add_card(session, now=NOW, deck="Bulk", front=f"question {number}")
            add_reviews(session, card, [(3, NOW + timedelta(minutes=number)), (3, NOW + timedelta(days=1, minutes=number))])
    counts: list[int] = []
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *args, **kwargs: CountingConnection(connect(*args, **kwargs), counts))
    out = tmp_path / f"bulk{cards}.apkg"
    result = srs("export", "--apkg", str(out), now=NOW + timedelta(days=3))
    monkeypatch.undo()
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "c.anki2") as package:
        rows = package.execute("SELECT type, queue, due, ivl, reps, lapses, left, data FROM cards ORDER BY id").fetchall()
        rows += package.execute("SELECT ease, ivl, lastIvl, time, type FROM revlog ORDER BY id").fetchall()
    return len(counts), rows


def test_schedule_is_written_in_bulk(srs, collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    few, rows = export_statements(srs, collection, tmp_path, monkeypatch, 3)
    assert len(rows) == 3 + 6 and all(row[0] == 2 for row in rows[:3])  # review cards, two answers each
    many, rows = export_statements(srs, collection, tmp_path, monkeypatch, 60)
    assert len(rows) == 63 + 126
    assert many == few  # not one UPDATE and one INSERT per card
