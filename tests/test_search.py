"""The search language parser (srs.domain.search): every term, the grammar, and malformed searches."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.domain import search as s
from srs.domain.search import SearchError, parse


def text(*parts: str) -> s.Text:
    return s.Text(tuple(parts))


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("", s.EVERYTHING),
        ("   ", s.EVERYTHING),
        ("dog", text("dog")),
        ("dog cat", s.And((text("dog"), text("cat")))),
        ("dog and cat", s.And((text("dog"), text("cat")))),
        ("dog or cat", s.Or((text("dog"), text("cat")))),
        ("dog OR cat", s.Or((text("dog"), text("cat")))),
        ("a b or c", s.Or((s.And((text("a"), text("b"))), text("c")))),
        ("a (b or c)", s.And((text("a"), s.Or((text("b"), text("c")))))),
        ("-dog", s.Not(text("dog"))),
        ("-(a or b)", s.Not(s.Or((text("a"), text("b"))))),
        ('"a dog"', text("a dog")),
        ('-"a dog"', s.Not(text("a dog"))),
        ('"or"', text("or")),
        ("d*g", text("d", "*", "g")),
        ("d_g", text("d", "_", "g")),
        (r"d\*g", text("d*g")),
        (r"a\_b", text("a_b")),
        (r"\-dog", text("-dog")),
        (r"some\(text\)", text("some(text)")),
        ('"some(text)"', text("some(text)")),
        (r"a\:b", text("a:b")),
        ("- x", s.And((text("-"), text("x")))),
        ("deck:Papers", s.DeckTerm(("Papers",))),
        ("deck:Papers -deck:Papers::Old", s.And((s.DeckTerm(("Papers",)), s.Not(s.DeckTerm(("Papers::Old",)))))),
        ('deck:"Study plan"', s.DeckTerm(("Study plan",))),
        ('"deck:Study plan"', s.DeckTerm(("Study plan",))),
        ("deck:pap*", s.DeckTerm(("pap", "*"))),
        ("DECK:x", s.DeckTerm(("x",))),
        ("tag:nlp", s.TagTerm(("nlp",))),
        ("tag:none", s.TagTerm(None)),
        ("tag:ml*", s.TagTerm(("ml", "*"))),
        ("is:new", s.IsTerm("new")),
        ("is:learn", s.IsTerm("learn")),
        ("is:review", s.IsTerm("review")),
        ("is:due", s.IsTerm("due")),
        ("is:suspended", s.IsTerm("suspended")),
        ("is:buried", s.IsTerm("buried")),
        ("is:leech", s.IsTerm("leech")),
        ("IS:Due", s.IsTerm("due")),
        ("prop:ivl>=10", s.Prop("ivl", ">=", 10)),
        ("prop:due<=1", s.Prop("due", "<=", 1)),
        ("prop:due=-1", s.Prop("due", "=", -1)),
        ("prop:due!=0", s.Prop("due", "!=", 0)),
        ("prop:lapses>3", s.Prop("lapses", ">", 3)),
        ("prop:reps<10", s.Prop("reps", "<", 10)),
        ("prop:r<0.8", s.Prop("r", "<", 0.8)),
        ("prop:s>30", s.Prop("s", ">", 30)),
        ("prop:s>2.5", s.Prop("s", ">", 2.5)),
        ("prop:d>=0.5", s.Prop("d", ">=", 0.5)),
        ("rated:7", s.Rated(7, None)),
        ("rated:7:1", s.Rated(7, 1)),
        ("added:30", s.Added(30)),
        ("introduced:7", s.Introduced(7)),
        ("kind:task", s.KindTerm("task")),
        ("kind:section", s.KindTerm("section")),
        ("kind:basic", s.KindTerm("basic")),
        ("kind:cloze", s.KindTerm("cloze")),
        ("kind:anki", s.KindTerm("anki")),
        ("file:papers/*.md", s.FileTerm(("papers/", "*", ".md"))),
        ("retired:yes", s.Retired(True)),
        ("retired:no", s.Retired(False)),
        ("cid:12,34", s.CardIds((12, 34))),
    ],
)
def test_terms(query: str, tree: s.Node) -> None:
    assert parse(query) == tree


@pytest.mark.parametrize(
    ("query", "column", "says"),
    [
        ("foo:bar", 1, "unknown search foo:"),
        ("dog foo:bar", 5, "unknown search foo:"),
        ("is:old", 1, "is: takes new, learn"),
        ("prop:ivl", 1, "prop: needs a comparison"),
        ("prop:ivl>x", 1, "is not a whole number"),
        ("prop:ivl>1.5", 1, "is not a whole number"),
        ("prop:zzz>1", 1, "unknown property 'zzz'"),
        ("prop:r<2", 1, "between 0 and 1"),
        ("prop:r=0.5", 1, "prop:r takes < <= > >="),
        ("prop:s>nan", 1, "is not a number"),
        ("rated:0", 1, "not a number of days"),
        ("rated:x", 1, "not a number of days"),
        ("rated:7:5", 1, "is not 1, 2, 3 or 4"),
        ("added:-3", 1, "not a number of days"),
        ("introduced:", 1, "not a number of days"),
        ("kind:poem", 1, "kind: takes task"),
        ("retired:maybe", 1, "retired: takes yes or no"),
        ("deck:", 1, "needs a deck name"),
        ("tag:", 1, "needs a tag"),
        ("cid:1,x", 1, "cid: takes card ids"),
        ("(a", 1, "'(' without ')'"),
        ("a)", 2, "')' without '('"),
        ("()", 1, "empty parentheses"),
        ("a or", 3, "'or' needs a term after it"),
        ("or a", 1, "'or' needs a term before it"),
        ("a and", 3, "'and' needs a term after it"),
        ("and a", 1, "'and' needs a term before it"),
        ('"a dog', 1, "unclosed quote"),
        ("dog\\", 4, "lone '\\'"),
        ("a -)", 3, "'-' before ')'"),
    ],
)
def test_malformed_searches_name_the_term(query: str, column: int, says: str) -> None:
    with pytest.raises(SearchError) as caught:
        parse(query)
    message = str(caught.value)
    assert f"column {column}:" in message, message
    assert says in message, message
    assert "\n" not in message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab :-()"\\*_<>=!')) | st.characters(), max_size=30))
def test_any_text_parses_or_raises_search_error(query: str) -> None:
    try:
        parse(query)
    except SearchError as error:
        assert str(error).startswith("search ")
