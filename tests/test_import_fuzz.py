"""Property-based tests of the importer: any text parses; importing the same notes twice changes nothing."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from srs.app.import_files import _Job, load_file
from srs.app.importing import import_notes
from srs.domain import identity
from srs.domain.parser import parse_markdown
from srs.errors import SrsError
from srs.store import imports as q
from srs.store.models import Card

# Pieces of Markdown and card syntax, so that random documents hit the interesting paths.
FRAGMENTS = [
    "- [x] ", "- [ ] ", "* [X] ", "1. [x] ", "  ", "    ", "\t", "# ", "## ", "### 第一周(3.2~3.8) ", "```", "```python", "~~~",
    "::", ":::", "::::", "?", "??", "==", "==x==", "^[hint]", "[^1]", "[^ash]", "{{c1::", "{{c2::a::h}}", "}}", "$", "$$",
    "<!--", "-->", "<!--SR:!2024-01-01,1,230-->", "---", "***", "> ", "#tag", "#flashcards/deck", "\r\n", "\r", "\u200b", "\ufeff",
    "中文笔记", "std::move", "c10::cuda::Stream", "`", "``", "\\", "[link](u)", "![img](a.png)", "|a|b|\n|-|-|", "Q", "A", " ",
    "title: x", "deck: D", "tags: [a, b]", "\n", "\n", "\n", "\n\n",
]

markdown_text = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(FRAGMENTS), max_size=80).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=60).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(markdown_text)
def test_any_text_parses_into_sane_cards(text: str) -> None:
    parsed = parse_markdown(text, "fuzz/note.md")
    lines = text.count("\n") + text.count("\r") + 1
    keys = set()
    for card in parsed.cards:
        assert card.front.strip() and card.back.strip()
        assert 1 <= card.line <= lines
        key = identity.card_key("/fuzz/note.md", card)
        assert key not in keys  # location keys are unique within a file
        keys.add(key)
    for item in parsed.items:
        assert item.message
        assert item.line is None or 1 <= item.line <= lines


@settings(max_examples=200, deadline=None)
@given(markdown_text)
def test_matching_the_same_text_again_changes_nothing(text: str) -> None:
    parsed = parse_markdown(text, "/fuzz/note.md")
    cards = [identity.incoming("/fuzz/note.md", card, deck="D", tags=card.tags) for card in parsed.cards]
    stored = [
        identity.Stored(index + 1, c.key, c.kind, c.source_path, c.line, c.heading_path, c.back, c.content_hash, c.fingerprint, False)
        for index, c in enumerate(cards)
    ]
    again = [identity.incoming("/fuzz/note.md", card, deck="D", tags=card.tags) for card in parse_markdown(text, "/fuzz/note.md").cards]
    result = identity.match_cards(again, stored)
    assert [match.change for match in result.matches] == [identity.Change.UNCHANGED] * len(again)
    assert [match.stored.id for match in result.matches if match.stored] == list(range(1, len(again) + 1))
    assert result.retired == []


_counter = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=markdown_text)
def test_importing_twice_changes_nothing(text: str, collection, tmp_path: Path, now) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"note{next(_counter)}.md"
    path.write_text(text, encoding="utf-8", errors="surrogatepass") if _encodable(text) else path.write_bytes(text.encode("utf-8", "replace"))
    try:
        first = import_notes(collection, [path], now=now, workers=1)
    except SrsError:
        return
    with collection.read() as session:
        before = session.execute(select(Card).where(Card.source_path == str(path)).order_by(Card.id)).scalars().all()
        snapshot = [(c.id, c.key, c.note_key, c.front, c.back, c.tags, c.deck_id, c.source_line, c.updated_at, c.retired_at) for c in before]
    assert len(snapshot) == first.totals.new
    with collection.write() as session:
        q.set_parser_version(session, -1)  # force the file to be read and parsed again
    second = import_notes(collection, [path], now=now, workers=1)
    totals = second.totals
    assert (totals.new, totals.updated, totals.moved, totals.revived, totals.retired) == (0, 0, 0, 0, 0)
    assert totals.unchanged == len(snapshot)
    with collection.read() as session:
        after = session.execute(select(Card).where(Card.source_path == str(path)).order_by(Card.id)).scalars().all()
        assert [(c.id, c.key, c.note_key, c.front, c.back, c.tags, c.deck_id, c.source_line, c.updated_at, c.retired_at) for c in after] == snapshot


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=600), markdown_text.map(lambda t: t.encode("utf-8", "replace"))))
def test_any_bytes_are_read_or_skipped_with_a_reason(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "bytes.md"
    path.write_bytes(data)
    loaded = load_file(_Job(str(path), "bytes.md", None, True))
    assert (loaded.parsed is None) == (loaded.problem is not None)
    if loaded.problem is not None:
        assert str(loaded.problem).startswith("bytes.md")


@pytest.mark.parametrize("text", ["", "::", "?\n?", "==a==[^]", "{{c1::}}", "- [x]\n  ::", "\ufeff---\n---\n", "\r\r\r", "#"])
def test_edge_documents_import(text: str, collection, tmp_path: Path, now) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "edge.md"
    path.write_text(text, encoding="utf-8")
    report = import_notes(collection, [path], now=now, workers=1)
    assert report.totals.retired == 0
