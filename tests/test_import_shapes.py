"""Property tests on plan-shaped and note-shaped Markdown (issue 20): headings with and without
text, preambles, nested tasks with and without a space after the checkbox, CJK and LaTeX. Any
such document imports without a problem of srs's own, and importing it again (parsed again)
changes nothing."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from srs.app.importing import import_notes
from srs.domain import identity
from srs.domain.parser import parse_markdown
from srs.store import imports as q
from srs.store.models import Card

WORDS = st.sampled_from(
    ["gradient", "cache line", "attention", "复习", "概率论", "强化学习", "$x^2$", "$\\frac{a}{b}$", "[paper](https://example.org/a_(b))",
     "`ns::call()`", "ReLU", "注意力::加权平均", "Q::A", "==key==", "**bold**", "<a name='x'></a>", "std::move", "\u200b"]
)
TEXT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
HEADING_TEXT = st.one_of(st.just(""), st.just(" "), TEXT, st.builds(lambda n, a, b: f"第{n}周({a}.1~{b}.7)", st.integers(1, 9), st.integers(1, 12), st.integers(1, 12)))


@st.composite
def tasks(draw: st.DrawFn, depth: int = 0) -> str:
    indent = "  " * depth * 2
    marker = draw(st.sampled_from(["-", "*", "+", "1.", "2)"]))
    box = draw(st.sampled_from(["[x]", "[X]", "[ ]"]))
    space = draw(st.sampled_from(["", " "]))
    lines = [f"{indent}{marker} {box}{space}{draw(TEXT)}"]
    pad = indent + " " * (len(marker) + 1)
    for _ in range(draw(st.integers(0, 2))):
        lines += ["", f"{pad}{draw(TEXT)}"]
    if depth < 3:
        for _ in range(draw(st.integers(0, 2))):
            lines += ["", draw(tasks(depth + 1))]
    return "\n".join(lines)


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append(draw(TEXT))  # a preamble before any heading
    for _ in range(draw(st.integers(0, 4))):
        parts.append("#" * draw(st.integers(1, 4)) + (" " if draw(st.booleans()) else "") + draw(HEADING_TEXT))
        for _ in range(draw(st.integers(0, 3))):
            parts.append(draw(st.one_of(TEXT, tasks(), st.just("$$\nE = mc^2\n$$"), st.just("```\nQ::A in code\n```"))))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(parts) + newline


_counter = itertools.count()


@settings(max_examples=150, deadline=None)
@given(documents())
def test_every_card_of_a_shaped_document_has_its_own_key(text: str) -> None:
    parsed = parse_markdown(text, "/shape/note.md")
    keys = [identity.incoming("/shape/note.md", card, deck="D", tags=card.tags).key for card in parsed.cards]
    assert len(keys) == len(set(keys))
    for card in parsed.cards:
        assert card.front.strip() and card.back.strip()
        assert "<a name" not in card.front.split("\n\n")[0] or card.kind not in ("section", "task")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=documents())
def test_a_shaped_document_imported_twice_changes_nothing(text: str, collection, tmp_path: Path, now) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"shape{next(_counter)}.md"
    path.write_bytes(text.encode("utf-8"))
    first = import_notes(collection, [path], now=now, workers=1)
    assert not [p for p in first.problems if p.kind == "skipped" and "not imported" in p.reason]
    with collection.read() as session:
        before = session.execute(select(Card.id, Card.key, Card.front, Card.back, Card.updated_at).where(Card.source_path == str(path)).order_by(Card.id)).all()
    assert len(before) == first.totals.new
    with collection.write() as session:
        q.set_parser_version(session, -1)  # the second import parses the file again
    second = import_notes(collection, [path], now=now, workers=1)
    totals = second.totals
    assert (totals.new, totals.updated, totals.moved, totals.revived, totals.retired) == (0, 0, 0, 0, 0)
    assert totals.unchanged == len(before)
    with collection.read() as session:
        after = session.execute(select(Card.id, Card.key, Card.front, Card.back, Card.updated_at).where(Card.source_path == str(path)).order_by(Card.id)).all()
    assert after == before
