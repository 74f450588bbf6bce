"""Property: `srs cards QUERY --json` returns exactly the cards a plain Python filter over
every card keeps, on generated collections and generated searches (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from factories import add_card, add_reviews
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from srs.domain import search as s
from srs.domain.scheduling import retrievability
from srs.store.models import Card, Deck, Review
from srs.store.presets import get_preset
from srs.timeutil import day_start, study_day, to_micros

DAY = timedelta(days=1)
DECKS = ("Alpha", "Alpha::Beta", "Alpha::Beta::Gamma", "Bee", "Cee dee")
WORDS = ("dog", "Dog cat", "a_b", "x*y", "cats (wild)", "b-c", "Tensor")
TAGS = ("x", "x::y", "yz", "leech", "Y")
PATHS = ("/n/alpha/one.md", "/n/alpha/two.md", "/n/bee/one.markdown", None)

card_spec = st.fixed_dictionaries(
    {
        "deck": st.sampled_from(DECKS),
        "front": st.sampled_from(WORDS),
        "back": st.sampled_from(WORDS),
        "tags": st.lists(st.sampled_from(TAGS), unique=True, max_size=3),
        "kind": st.sampled_from(s.KINDS),
        "path": st.sampled_from(PATHS),
        "suspended": st.booleans(),
        "buried": st.sampled_from([None, -1, 1]),
        "retired": st.booleans(),
        "added": st.integers(0, 60),
        "answers": st.lists(st.tuples(st.sampled_from([1, 1, 2, 3, 3, 4]), st.integers(0, 30)), max_size=5),
    }
)


def glob(parts: tuple[str, ...], star: str = ".*") -> str:
    return "".join(star if p == s.ANY else ("." if star == ".*" else "[^ ]") if p == s.ONE else re.escape(p.lower()) for p in parts)


leaf = st.one_of(
    st.sampled_from(["dog", '"dog cat"', "d*g", "a\\_b", "x\\*y", "a_b", '"cats (wild)"', "b\\-c", "tensor", "zzz"]),
    st.builds(lambda d: f'deck:"{d}"', st.sampled_from(["alpha", "Alpha::Beta", "alpha::*", "bee", "cee dee", "a*", "Alpha::Beta::Gamma"])),
    st.builds(lambda t: f"tag:{t}", st.sampled_from(["x", "x::y", "y*", "*z", "leech", "none", "X", "_z"])),
    st.builds(lambda t: f"is:{t}", st.sampled_from(s.STATES)),
    st.builds(lambda t: f"is:{t}", st.sampled_from(s.STATES)),
    st.builds(lambda f, o, v: f"prop:{f}{o}{v}", st.sampled_from(["ivl", "due", "lapses", "reps"]), st.sampled_from(s.OPERATORS), st.integers(-3, 12)),
    st.builds(lambda f, o, v: f"prop:{f}{o}{v}", st.sampled_from(["r", "d"]), st.sampled_from(["<", "<=", ">", ">="]), st.sampled_from(["0.37", "0.71", "0.93", "0.5"])),
    st.builds(lambda o, v: f"prop:s{o}{v}", st.sampled_from(["<", ">="]), st.sampled_from(["0.5", "3.3", "12.7"])),
    st.builds(lambda n, r: f"rated:{n}" + (f":{r}" if r else ""), st.integers(1, 40), st.sampled_from([None, 1, 3])),
    st.builds(lambda n: f"added:{n}", st.integers(1, 61)),
    st.builds(lambda n: f"introduced:{n}", st.integers(1, 61)),
    st.builds(lambda k: f"kind:{k}", st.sampled_from(s.KINDS)),
    st.builds(lambda f: f"file:{f}", st.sampled_from(["alpha/*", "one.md", "*.markdown", "/n/*/two.md"])),
    st.builds(lambda r: f"retired:{r}", st.sampled_from(["yes", "no"])),
)
queries = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} {b}", inner, inner),
        st.builds(lambda a, b: f"({a} or {b})", inner, inner),
        st.builds(lambda a: f"-{a}" if not a.startswith("-") else a, inner),
    ),
    max_leaves=4,
)


def build(collection: Any, now: datetime, specs: list[dict[str, Any]]) -> None:
    with collection.write() as session:
        session.execute(delete(Review))
        session.execute(delete(Card))
        session.execute(delete(Deck).where(Deck.name != "Default"))
        for spec in specs:
            card = add_card(session, now=now - spec["added"] * DAY, deck=spec["deck"], front=spec["front"], back=spec["back"],
                            kind=spec["kind"], tags=f" {' '.join(spec['tags'])} " if spec["tags"] else "")
            answers = sorted(((r, now - ago * DAY - timedelta(hours=1)) for r, ago in spec["answers"]), key=lambda e: e[1])
            add_reviews(session, card, answers)
            card.source_path = spec["path"]
            card.suspended = spec["suspended"]
            card.buried_until = None if spec["buried"] is None else now + spec["buried"] * timedelta(hours=5)
            card.retired_at = now - DAY if spec["retired"] else None
        session.flush()


class Oracle:
    """The meaning of each search term, in plain Python over loaded cards."""

    def __init__(self, collection: Any, now: datetime) -> None:
        self.now = now
        with collection.read() as session:
            preset = get_preset(session)
            self.tz, self.hour, self.decay = preset.timezone, preset.day_start_hour, preset.parameters[20]
            self.cards = list(session.scalars(select(Card)))
            for card in self.cards:
                card.deck_name = card.deck.name
                card.answers = [(r.rating, r.reviewed_at) for r in card.reviews]
            session.expunge_all()
        self.today = study_day(now, self.tz, self.hour)

    def day(self, offset: int) -> datetime:
        return day_start(self.today + timedelta(days=offset), self.tz, self.hour)

    def select(self, node: s.Node) -> set[int]:
        keep_retired = s.mentions_retired(node)
        return {c.id for c in self.cards if self.holds(node, c) and (keep_retired or c.retired_at is None)}

    def holds(self, node: s.Node, c: Any) -> bool:  # noqa: C901 - one branch per term, as the language
        if isinstance(node, s.And):
            return all(self.holds(n, c) for n in node.nodes)
        if isinstance(node, s.Or):
            return any(self.holds(n, c) for n in node.nodes)
        if isinstance(node, s.Not):
            return not self.holds(node.node, c)
        if isinstance(node, s.Text):
            return any(re.search(glob(node.pattern), side.lower(), re.S) for side in (c.front, c.back))
        if isinstance(node, s.DeckTerm):
            return re.fullmatch(glob(node.pattern) + "(::.*)?", c.deck_name.lower(), re.S) is not None
        if isinstance(node, s.TagTerm):
            tags = c.tags.split()
            if node.pattern is None:
                return not tags
            return any(re.fullmatch(glob(node.pattern, "[^ ]*") + "(::[^ ]*)?", t.lower()) for t in tags)
        if isinstance(node, s.IsTerm):
            return self.state(node.state, c)
        if isinstance(node, s.Prop):
            return self.prop(node, c)
        if isinstance(node, s.Rated):
            since = self.day(1 - node.days)
            return any(at >= since and (node.rating is None or r == node.rating) for r, at in c.answers)
        if isinstance(node, s.Introduced):
            return bool(c.answers) and min(at for _, at in c.answers) >= self.day(1 - node.days)
        if isinstance(node, s.Added):
            return c.created_at >= self.day(1 - node.days)
        if isinstance(node, s.KindTerm):
            return c.kind == node.kind
        if isinstance(node, s.FileTerm):
            return c.source_path is not None and re.fullmatch("(.*/)?" + glob(node.pattern), c.source_path.lower(), re.S) is not None
        if isinstance(node, s.Retired):
            return (c.retired_at is not None) == node.retired
        assert isinstance(node, s.CardIds)
        return c.id in node.ids

    def state(self, name: str, c: Any) -> bool:
        buried = c.buried_until is not None and c.buried_until > self.now
        return {
            "new": c.state == 0,
            "learn": c.state in (1, 3),
            "review": c.state in (2, 3),
            "due": c.state != 0 and c.due is not None and c.due < self.day(1) and not c.suspended and not buried,
            "suspended": c.suspended,
            "buried": buried,
            "leech": "leech" in [t.lower() for t in c.tags.split()],
        }[name]

    def prop(self, node: s.Prop, c: Any) -> bool:
        compare = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__, "=": float.__eq__, "!=": float.__ne__}[node.op]
        if node.field == "due":
            if c.state == 0 or c.due is None:
                return False
            value = float((study_day(c.due, self.tz, self.hour) - self.today).days)
        elif node.field == "ivl":
            if c.due is None or c.last_review is None:
                return False
            span = to_micros(c.due) - to_micros(c.last_review)
            value = float((span + 43_200_000_000) // 86_400_000_000)
        elif node.field in ("lapses", "reps"):
            value = float(getattr(c, node.field))
        elif node.field == "s":
            if c.stability is None:
                return False
            value = c.stability
        elif node.field == "d":
            if c.difficulty is None:
                return False
            value = (c.difficulty - 1.0) / 9.0
        else:
            if not c.stability or c.last_review is None:
                return False
            value = retrievability(c.stability, (self.now - c.last_review).total_seconds() / 86_400, self.decay)
        return compare(float(value), node.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(card_spec, min_size=1, max_size=7), searches=st.lists(queries, min_size=1, max_size=4))
def test_cards_json_equals_a_python_filter(srs: Any, collection: Any, now: datetime, specs: list[dict[str, Any]], searches: list[str]) -> None:
    build(collection, now, specs)
    oracle = Oracle(collection, now)
    for query in searches:
        result = srs("cards", "--json", "--sort", "id", "--", query)
        assert result.exit_code == 0, (query, result.output)
        found = {card["id"] for card in json.loads(result.output)["cards"]}
        assert found == oracle.select(s.parse(query)), query
