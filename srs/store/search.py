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
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Connection, Float, and_, case, cast, exists, false, func, not_, or_, select, true, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from srs.domain import search as s
from srs.domain.cards import CardState
from srs.domain.forgetting import DEFAULT_DECAY, decay_factor, decay_of
from srs.domain.scheduling import MANUAL
from srs.store.schema import cards, decks, presets, reviews
from srs.store.settings import day_settings
from srs.timeutil import day_start, study_day, to_micros

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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


def search_context(session: Connection | Session, now: datetime) -> SearchContext:
    """Study days from the Default preset (as ``srs status`` counts "today"); each deck's DECAY
    (FSRS-6 w20) from its own preset."""
    timezone, day_start_hour = day_settings(session)
    rows = session.execute(select(decks.c.id, presets.c.parameters).join(presets, presets.c.id == decks.c.preset_id))
    decays = {int(deck_id): decay_of(parameters) for deck_id, parameters in rows}
    return SearchContext(now, timezone, day_start_hour, decays)


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
    return (_us(cards.c.due) - _us(cards.c.last_review) + MICROS_PER_DAY // 2) // MICROS_PER_DAY


def retrievability_now(context: SearchContext) -> ColumnElement[Any]:
    """R now of each reviewed card (NULL for a card without stability or review)."""
    decay = _per_deck(context.decays, DEFAULT_DECAY)
    factor = _per_deck({deck: decay_factor(d) for deck, d in context.decays.items()}, decay_factor(DEFAULT_DECAY))
    elapsed = cast(to_micros(context.now) - _us(cards.c.last_review), Float) / MICROS_PER_DAY
    elapsed = case((elapsed < 0, 0.0), else_=elapsed)
    value = func.power(1.0 + factor * elapsed / cards.c.stability, -decay)
    return case((and_(cards.c.stability > 0, cards.c.last_review.is_not(None)), value), else_=None)


def _per_deck(values: dict[int, float], default: float) -> ColumnElement[Any]:
    by_value: dict[float, list[int]] = {}
    for deck_id, value in values.items():
        by_value.setdefault(value, []).append(deck_id)
    if len(by_value) <= 1:
        return cast(next(iter(by_value), default), Float)  # type: ignore[return-value]
    whens = [(cards.c.deck_id.in_(ids), value) for value, ids in by_value.items()]
    return case(*whens, else_=default)


def compile_search(node: s.Node, context: SearchContext) -> ColumnElement[bool]:
    """The WHERE clause of ``node``; retired cards are left out unless it mentions them."""
    clause = _compile(node, context)
    if not s.mentions_retired(node):
        clause = and_(cards.c.retired_at.is_(None), clause)
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
    return or_(_like(cards.c.front, pattern), _like(cards.c.back, pattern))


def _deck(node: s.DeckTerm, _c: SearchContext) -> ColumnElement[bool]:
    pattern = like_pattern(node.pattern)
    named = select(decks.c.id).where(or_(_like(decks.c.name, pattern), _like(decks.c.name, pattern + "::%")))
    return cards.c.deck_id.in_(named.scalar_subquery())


def tag_regex(pattern: s.Pattern) -> str:
    """A tag glob as a regular expression over the stored tags (``" a b "``): the tag itself or
    one of its children (``a::b``), ``*`` and ``_`` never crossing into the next tag, as in Anki."""
    import re

    body = "".join("[^ ]*" if part == s.ANY else "[^ ]" if part == s.ONE else re.escape(part.lower()) for part in pattern)
    return f" {body}(::[^ ]*)? "


def _tag(node: s.TagTerm, _c: SearchContext) -> ColumnElement[bool]:
    if node.pattern is None:
        return func.trim(func.coalesce(cards.c.tags, "")) == ""
    return func.lower(func.coalesce(cards.c.tags, "")).regexp_match(tag_regex(node.pattern))


def _is(node: s.IsTerm, c: SearchContext) -> ColumnElement[bool]:
    now = to_micros(c.now)
    unburied = or_(cards.c.buried_until.is_(None), _us(cards.c.buried_until) <= now)
    if node.state == "new":
        return cards.c.state == CardState.NEW
    if node.state == "learn":
        return cards.c.state.in_([CardState.LEARNING, CardState.RELEARNING])
    if node.state == "review":
        return cards.c.state.in_([CardState.REVIEW, CardState.RELEARNING])
    if node.state == "due":
        return and_(cards.c.state != CardState.NEW, _us(cards.c.due) < to_micros(c.day(1)), cards.c.suspended.is_(False), unburied)
    if node.state == "suspended":
        return cards.c.suspended.is_(True)
    if node.state == "buried":
        return and_(cards.c.buried_until.is_not(None), _us(cards.c.buried_until) > now)
    return _like(cards.c.tags, "% leech %")


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
        return and_(cards.c.state != CardState.NEW, cards.c.due.is_not(None), _due_days(node.op, int(node.value), c))
    if node.field == "ivl":
        return and_(cards.c.last_review.is_not(None), cards.c.due.is_not(None), compare(interval_days(), int(node.value)))
    if node.field == "lapses":
        return compare(cards.c.lapses, int(node.value))
    if node.field == "reps":
        return compare(cards.c.reps, int(node.value))
    if node.field == "s":
        return and_(cards.c.stability.is_not(None), compare(cards.c.stability, node.value))
    if node.field == "d":
        return and_(cards.c.difficulty.is_not(None), compare((cards.c.difficulty - 1.0) / 9.0, node.value))
    return and_(cards.c.stability > 0, cards.c.last_review.is_not(None), compare(retrievability_now(c), node.value))


def _due_days(op: str, days: int, c: SearchContext) -> ColumnElement[bool]:
    """Due on study day today+days (op ``=``), before it, after it...: bounds by day starts."""
    start, end = to_micros(c.day(days)), to_micros(c.day(days + 1))
    return {
        "=": and_(_us(cards.c.due) >= start, _us(cards.c.due) < end),
        "!=": or_(_us(cards.c.due) < start, _us(cards.c.due) >= end),
        "<": _us(cards.c.due) < start,
        "<=": _us(cards.c.due) < end,
        ">": _us(cards.c.due) >= end,
        ">=": _us(cards.c.due) >= start,
    }[op]


def _since(days: int, c: SearchContext) -> int:
    """Micros at the start of the window of ``days`` study days ending today (1 = today)."""
    return to_micros(c.day(1 - days))


def _rated(node: s.Rated, c: SearchContext) -> ColumnElement[bool]:
    condition = and_(reviews.c.card_id == cards.c.id, reviews.c.rating != MANUAL, _us(reviews.c.reviewed_at) >= _since(node.days, c))
    if node.rating is not None:
        condition = and_(condition, reviews.c.rating == node.rating)
    return exists().where(condition)


def _introduced(node: s.Introduced, c: SearchContext) -> ColumnElement[bool]:
    since = _since(node.days, c)
    return and_(
        exists().where(reviews.c.card_id == cards.c.id, reviews.c.rating != MANUAL, _us(reviews.c.reviewed_at) >= since),
        ~exists().where(reviews.c.card_id == cards.c.id, reviews.c.rating != MANUAL, _us(reviews.c.reviewed_at) < since),
    )


def _file(node: s.FileTerm, _c: SearchContext) -> ColumnElement[bool]:
    pattern = like_pattern(node.pattern)
    return and_(cards.c.source_path.is_not(None), or_(_like(cards.c.source_path, pattern), _like(cards.c.source_path, "%/" + pattern)))


_COMPILERS: dict[type, Callable[[Any, SearchContext], ColumnElement[bool]]] = {
    s.Text: _text,
    s.DeckTerm: _deck,
    s.TagTerm: _tag,
    s.IsTerm: _is,
    s.Prop: _prop,
    s.Rated: _rated,
    s.Introduced: _introduced,
    s.Added: lambda node, c: _us(cards.c.created_at) >= _since(node.days, c),
    s.KindTerm: lambda node, _c: cards.c.kind == node.kind,
    s.FileTerm: _file,
    s.Retired: lambda node, _c: cards.c.retired_at.is_not(None) if node.retired else cards.c.retired_at.is_(None),
    s.CardIds: lambda node, _c: cards.c.id.in_(node.ids),
}
