"""A parsed search (:mod:`srs.domain.search`) compiled to one SQL WHERE clause over ``cards``.

Everything runs in the database (SQLite and PostgreSQL alike): text and globs as
``lower(column) LIKE pattern``, decks and tags as ``LIKE`` on the stored names, ``rated:`` and
``introduced:`` as ``EXISTS`` on the review log's ``(card_id, reviewed_at)`` index, study days
as instants computed once from the preset's time zone and day start, and ``prop:r`` as
FSRS-6's R(t, S) = (1 + FACTOR t/S)^-DECAY with each preset's DECAY (SQLite gets a
``power`` function on connect where it lacks one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Float, and_, case, cast, exists, false, func, not_, or_, select, true, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from srs.domain import search as s
from srs.domain.forgetting import DEFAULT_DECAY, decay_factor, decay_of
from srs.domain.scheduling import MANUAL
from srs.store.models import Card, CardState, Deck, Preset, Review
from srs.timeutil import day_start, study_day, to_micros

MICROS_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class SearchContext:
    """What a search needs beyond the cards: the time, the study day, each deck's DECAY."""

    now: datetime
    timezone: str
    day_start_hour: int
    decays: dict[int, float]  # deck id -> w20 of its preset

    @property
    def today(self) -> date:
        return study_day(self.now, self.timezone, self.day_start_hour)

    def day(self, offset: int) -> datetime:
        """When study day today+offset begins (UTC)."""
        return day_start(self.today + timedelta(days=offset), self.timezone, self.day_start_hour)


def search_context(session: Session, now: datetime) -> SearchContext:
    """Study days from the Default preset (as ``srs status`` counts "today"); each deck's DECAY
    (FSRS-6 w20) from its own preset."""
    from srs.store.presets import get_preset

    preset = get_preset(session)
    rows = session.execute(select(Deck.id, Preset.parameters).join(Preset, Preset.id == Deck.preset_id))
    decays = {int(deck_id): decay_of(parameters) for deck_id, parameters in rows}
    return SearchContext(now, preset.timezone, preset.day_start_hour, decays)


def like_pattern(pattern: s.Pattern, *, anywhere: bool = False) -> str:
    """A :data:`srs.domain.search.Pattern` as a lower-cased LIKE pattern with ``\\`` as escape."""
    out = []
    for part in pattern:
        if part == s.ANY:
            out.append("%")
        elif part == s.ONE:
            out.append("_")
        else:
            out.append(part.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
    body = "".join(out)
    return f"%{body}%" if anywhere else body


def _us(column: Any) -> ColumnElement[Any]:
    """A time column as its stored integer microseconds (for arithmetic and int bounds)."""
    return type_coerce(column, BigInteger)


def _like(column: Any, pattern: str) -> ColumnElement[bool]:
    return func.lower(column).like(pattern, escape="\\")


def interval_days() -> ColumnElement[Any]:
    """The interval the last review scheduled, in whole days (rounded), NULL for new cards."""
    return (_us(Card.due) - _us(Card.last_review) + MICROS_PER_DAY // 2) // MICROS_PER_DAY


def retrievability_now(context: SearchContext) -> ColumnElement[Any]:
    """R now of each reviewed card (NULL for a card without stability or review)."""
    decay = _per_deck(context.decays, DEFAULT_DECAY)
    factor = _per_deck({deck: decay_factor(d) for deck, d in context.decays.items()}, decay_factor(DEFAULT_DECAY))
    elapsed = cast(to_micros(context.now) - _us(Card.last_review), Float) / MICROS_PER_DAY
    elapsed = case((elapsed < 0, 0.0), else_=elapsed)
    value = func.power(1.0 + factor * elapsed / Card.stability, -decay)
    return case((and_(Card.stability > 0, Card.last_review.is_not(None)), value), else_=None)


def _per_deck(values: dict[int, float], default: float) -> ColumnElement[Any]:
    by_value: dict[float, list[int]] = {}
    for deck_id, value in values.items():
        by_value.setdefault(value, []).append(deck_id)
    if len(by_value) <= 1:
        return cast(next(iter(by_value), default), Float)  # type: ignore[return-value]
    whens = [(Card.deck_id.in_(ids), value) for value, ids in by_value.items()]
    return case(*whens, else_=default)


def compile_search(node: s.Node, context: SearchContext) -> ColumnElement[bool]:
    """The WHERE clause of ``node``; retired cards are left out unless it mentions them."""
    clause = _compile(node, context)
    if not s.mentions_retired(node):
        clause = and_(Card.retired_at.is_(None), clause)
    return clause


def _compile(node: s.Node, context: SearchContext) -> ColumnElement[bool]:
    if isinstance(node, s.And):
        return and_(true(), *(_compile(n, context) for n in node.nodes))
    if isinstance(node, s.Or):
        return or_(false(), *(_compile(n, context) for n in node.nodes))
    if isinstance(node, s.Not):
        return not_(_null_false(_compile(node.node, context)))
    compiler = _COMPILERS[type(node)]
    return compiler(node, context)


def _null_false(clause: ColumnElement[bool]) -> ColumnElement[bool]:
    """``clause`` with NULL read as false, so that NOT gives every other card (SQL's NOT NULL is NULL)."""
    return func.coalesce(clause, false())  # type: ignore[return-value]


def _text(node: s.Text, _c: SearchContext) -> ColumnElement[bool]:
    pattern = like_pattern(node.pattern, anywhere=True)
    return or_(_like(Card.front, pattern), _like(Card.back, pattern))


def _deck(node: s.DeckTerm, _c: SearchContext) -> ColumnElement[bool]:
    pattern = like_pattern(node.pattern)
    decks = select(Deck.id).where(or_(_like(Deck.name, pattern), _like(Deck.name, pattern + "::%")))
    return Card.deck_id.in_(decks.scalar_subquery())


def tag_regex(pattern: s.Pattern) -> str:
    """A tag glob as a regular expression over the stored tags (``" a b "``): the tag itself or
    one of its children (``a::b``), ``*`` and ``_`` never crossing into the next tag, as in Anki."""
    import re

    body = "".join("[^ ]*" if part == s.ANY else "[^ ]" if part == s.ONE else re.escape(part.lower()) for part in pattern)
    return f" {body}(::[^ ]*)? "


def _tag(node: s.TagTerm, _c: SearchContext) -> ColumnElement[bool]:
    if node.pattern is None:
        return func.trim(func.coalesce(Card.tags, "")) == ""
    return func.lower(func.coalesce(Card.tags, "")).regexp_match(tag_regex(node.pattern))


def _is(node: s.IsTerm, c: SearchContext) -> ColumnElement[bool]:
    now = to_micros(c.now)
    unburied = or_(Card.buried_until.is_(None), _us(Card.buried_until) <= now)
    if node.state == "new":
        return Card.state == CardState.NEW
    if node.state == "learn":
        return Card.state.in_([CardState.LEARNING, CardState.RELEARNING])
    if node.state == "review":
        return Card.state.in_([CardState.REVIEW, CardState.RELEARNING])
    if node.state == "due":
        return and_(Card.state != CardState.NEW, _us(Card.due) < to_micros(c.day(1)), Card.suspended.is_(False), unburied)
    if node.state == "suspended":
        return Card.suspended.is_(True)
    if node.state == "buried":
        return and_(Card.buried_until.is_not(None), _us(Card.buried_until) > now)
    return _like(Card.tags, "% leech %")


_OPS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _prop(node: s.Prop, c: SearchContext) -> ColumnElement[bool]:
    compare = _OPS[node.op]
    if node.field == "due":
        return and_(Card.state != CardState.NEW, Card.due.is_not(None), _due_days(node.op, int(node.value), c))
    if node.field == "ivl":
        return and_(Card.last_review.is_not(None), Card.due.is_not(None), compare(interval_days(), int(node.value)))
    if node.field == "lapses":
        return compare(Card.lapses, int(node.value))
    if node.field == "reps":
        return compare(Card.reps, int(node.value))
    if node.field == "s":
        return and_(Card.stability.is_not(None), compare(Card.stability, node.value))
    if node.field == "d":
        return and_(Card.difficulty.is_not(None), compare((Card.difficulty - 1.0) / 9.0, node.value))
    return and_(Card.stability > 0, Card.last_review.is_not(None), compare(retrievability_now(c), node.value))


def _due_days(op: str, days: int, c: SearchContext) -> ColumnElement[bool]:
    """Due on study day today+days (op ``=``), before it, after it...: bounds by day starts."""
    start, end = to_micros(c.day(days)), to_micros(c.day(days + 1))
    return {
        "=": and_(_us(Card.due) >= start, _us(Card.due) < end),
        "!=": or_(_us(Card.due) < start, _us(Card.due) >= end),
        "<": _us(Card.due) < start,
        "<=": _us(Card.due) < end,
        ">": _us(Card.due) >= end,
        ">=": _us(Card.due) >= start,
    }[op]


def _since(days: int, c: SearchContext) -> int:
    """Micros at the start of the window of ``days`` study days ending today (1 = today)."""
    return to_micros(c.day(1 - days))


def _rated(node: s.Rated, c: SearchContext) -> ColumnElement[bool]:
    condition = and_(Review.card_id == Card.id, Review.rating != MANUAL, _us(Review.reviewed_at) >= _since(node.days, c))
    if node.rating is not None:
        condition = and_(condition, Review.rating == node.rating)
    return exists().where(condition)


def _introduced(node: s.Introduced, c: SearchContext) -> ColumnElement[bool]:
    since = _since(node.days, c)
    return and_(
        exists().where(Review.card_id == Card.id, Review.rating != MANUAL, _us(Review.reviewed_at) >= since),
        ~exists().where(Review.card_id == Card.id, Review.rating != MANUAL, _us(Review.reviewed_at) < since),
    )


def _file(node: s.FileTerm, _c: SearchContext) -> ColumnElement[bool]:
    pattern = like_pattern(node.pattern)
    return and_(Card.source_path.is_not(None), or_(_like(Card.source_path, pattern), _like(Card.source_path, "%/" + pattern)))


_COMPILERS: dict[type, Callable[[Any, SearchContext], ColumnElement[bool]]] = {
    s.Text: _text,
    s.DeckTerm: _deck,
    s.TagTerm: _tag,
    s.IsTerm: _is,
    s.Prop: _prop,
    s.Rated: _rated,
    s.Introduced: _introduced,
    s.Added: lambda node, c: _us(Card.created_at) >= _since(node.days, c),
    s.KindTerm: lambda node, _c: Card.kind == node.kind,
    s.FileTerm: _file,
    s.Retired: lambda node, _c: Card.retired_at.is_not(None) if node.retired else Card.retired_at.is_(None),
    s.CardIds: lambda node, _c: Card.id.in_(node.ids),
}
