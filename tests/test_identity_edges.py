"""The edges of card identity's similarity rules, pinned through the importer (issue 21).

Each rule gets an edit just inside its edge (the card keeps its id and history) and one just
outside (a new card; the old one is retired). The texts are 20 letters with k of them
replaced, so difflib's ratio (2 x matching / total characters) is 1 - k/20 exactly: the
expectations are written out here and never computed from identity's own constants, so a
threshold moved either way (0.8 to 0.7 or 0.9, 0.6 to 0.5 or 0.7, the heading's 0.8 to 0.5)
merges two cards or splits a fixed typo from its history, and fails here.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from srs.app.importing import import_notes
from srs.store.collection import Collection
from srs.store.models import Card

BASE = "abcdefghijklmnopqrst"
POSITIONS = (1, 5, 9, 13, 17, 3, 7, 11, 15, 19)


def edited(changes: int, text: str = BASE) -> str:
    """``text`` with ``changes`` letters replaced by digits, far apart."""
    letters = list(text)
    for number, position in enumerate(POSITIONS[:changes]):
        letters[position] = str(number)
    return "".join(letters)


@pytest.mark.parametrize(("changes", "ratio"), [(3, 0.85), (4, 0.8), (5, 0.75), (8, 0.6), (9, 0.55)])
def test_the_fixtures_have_the_ratios_they_claim(changes: int, ratio: float) -> None:
    assert difflib.SequenceMatcher(None, BASE, edited(changes)).ratio() == pytest.approx(ratio)


def _reimport(collection: Collection, tmp_path: Path, now: datetime, before: str, after: str) -> tuple[int, list[tuple[int, bool]]]:
    """Import ``before``, then ``after`` as the same file: (the first card's id, every card as
    (id, retired))."""
    notes = tmp_path / "notes"
    notes.mkdir()
    note = notes / "n.md"
    note.write_text(before, encoding="utf-8")
    import_notes(collection, [notes], now=now, cwd=tmp_path)
    with collection.read() as session:
        first = session.scalars(select(Card.id)).one()
    note.write_text(after, encoding="utf-8")
    import_notes(collection, [notes], now=now, cwd=tmp_path)
    with collection.read() as session:
        cards = [(card_id, retired is not None) for card_id, retired in session.execute(select(Card.id, Card.retired_at).order_by(Card.id))]
    return first, cards


def _kept(first: int, cards: list[tuple[int, bool]]) -> bool:
    """True when the edit kept the card (one card, same id, active); False when it made a new
    card and retired the old one."""
    if cards == [(first, False)]:
        return True
    assert cards[0] == (first, True) and len(cards) == 2 and not cards[1][1], cards
    return False


# Question and answer both edited: the question must be at least 0.8 similar.
@pytest.mark.parametrize(("changes", "kept"), [(4, True), (5, False)], ids=["0.80 kept", "0.75 new card"])
def test_question_edge_when_the_answer_changed_too(collection: Collection, tmp_path: Path, now: datetime, changes: int, kept: bool) -> None:
    first, cards = _reimport(collection, tmp_path, now, f"# Notes\n\n{BASE}::first answer\n", f"# Notes\n\n{edited(changes)}::second reply\n")
    assert _kept(first, cards) is kept


# The answer unchanged: a rephrased question is the same card down to 0.6.
@pytest.mark.parametrize(("changes", "kept"), [(8, True), (9, False)], ids=["0.60 kept", "0.55 new card"])
def test_question_edge_when_the_answer_is_unchanged(collection: Collection, tmp_path: Path, now: datetime, changes: int, kept: bool) -> None:
    first, cards = _reimport(collection, tmp_path, now, f"# Notes\n\n{BASE}::same answer\n", f"# Notes\n\n{edited(changes)}::same answer\n")
    assert _kept(first, cards) is kept


# The question a little edited (0.85, inside the 0.8 edge) and its heading edited: the headings
# must be equal or at least 0.8 similar.
@pytest.mark.parametrize(("changes", "kept"), [(4, True), (5, False)], ids=["heading 0.80 kept", "heading 0.75 new card"])
def test_heading_edge(collection: Collection, tmp_path: Path, now: datetime, changes: int, kept: bool) -> None:
    question = "What is the capital of France?"
    before = f"# {BASE}\n\n{question}::Paris\n"
    after = f"# {edited(changes)}\n\n{question.replace('capital', 'capitol')}::Paris, the city\n"
    first, cards = _reimport(collection, tmp_path, now, before, after)
    assert _kept(first, cards) is kept


# A cloze deletion's text edited, the sentence around it unchanged: the old and new deleted
# texts must be at least 0.6 similar.
@pytest.mark.parametrize(("changes", "kept"), [(8, True), (9, False)], ids=["0.60 kept", "0.55 new card"])
def test_cloze_deleted_text_edge(collection: Collection, tmp_path: Path, now: datetime, changes: int, kept: bool) -> None:
    before = f"# Notes\n\nThe code word is =={BASE}== in this sentence.\n"
    after = f"# Notes\n\nThe code word is =={edited(changes)}== in this sentence.\n"
    first, cards = _reimport(collection, tmp_path, now, before, after)
    assert _kept(first, cards) is kept
