"""``srs cards`` and ``srs card``: find cards with Anki's search language, act on them, undo.

The listing is :mod:`srs.app.browse`'s (re-exported here). Each action runs in one transaction that matches the query again,
changes the cards and keeps an undo record (:mod:`srs.store.card_actions`); forget and
set-due are manual entries of the review log, so a card's state stays the replay of its log.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from srs.app.browse import Browse, browse, count_matches  # noqa: F401 - the listing, re-exported
from srs.domain import search
from srs.domain.cards import CardState
from srs.domain.scheduling import SchedulerSettings
from srs.errors import NotFoundError, SrsError
from srs.store import card_actions as q
from srs.store.card_actions import save_undo
from srs.store.cards import CardRow, find_cards, matching_ids
from srs.store.collection import Collection, Session
from srs.store.models import Card
from srs.store.presets import preset_for_deck
from srs.store.reviews import has_answers, manual_entries_of
from srs.store.search import compile_search, search_context
from srs.timeutil import as_utc

ACTIONS = ("suspend", "unsuspend", "bury", "unbury", "forget", "set-due", "tag-add", "tag-remove")
MAX_SET_DUE_DAYS = 36500


def parse_days(text: str) -> tuple[int, int]:
    """``set-due`` days as Anki takes them: ``N`` (0 today, 1 tomorrow) or a range ``N-M``."""
    low, dash, high = text.strip().partition("-")
    try:
        first, last = int(low), int(high) if dash else int(low)
    except ValueError:
        raise SrsError(f"set-due takes days from today: N (0 = today, 1 = tomorrow) or a range N-M such as 3-7, not {text!r}") from None
    if not 0 <= first <= last <= MAX_SET_DUE_DAYS:
        raise SrsError(f"set-due days must be 0 to {MAX_SET_DUE_DAYS}, the first not above the second (got {text!r})")
    return first, last


def parse_tags(text: str) -> list[str]:
    tags = [tag.lstrip("#") for tag in text.replace(",", " ").split()]
    tags = [tag for tag in tags if tag]
    if not tags:
        raise SrsError("tag add/remove needs at least one tag")
    return tags


@dataclass
class ActionResult:
    action: str
    matched: int
    changed: int
    skipped: int = 0
    detail: str = ""
    dry_run: bool = False
    ids: list[int] = field(default_factory=list)


def run_action(
    collection: Collection, action: str, query: str, *, now: datetime, days: tuple[int, int] | None = None,
    tags: list[str] | None = None, dry_run: bool = False,
) -> ActionResult:
    """Apply ``action`` to every card ``query`` matches, in one transaction, and keep it for
    :func:`undo`. ``dry_run``: say how many cards it matches, change nothing."""
    if action not in ACTIONS:
        raise SrsError(f"unknown action {action!r}")
    node = search.parse(query)
    now = as_utc(now)
    if dry_run:
        return ActionResult(action, count_matches(collection, query, now=now), 0, dry_run=True)

    def transaction(session: Session) -> ActionResult:
        context = search_context(session, now)
        ids = matching_ids(session, compile_search(node, context))
        result, record = _apply(session, action, ids, context, now=now, days=days, tags=tags or [])
        if result.changed:
            save_undo(session, {"action": action, "query": query, "at": now.isoformat(), **record})
        return result

    return collection.transact(transaction)


def _apply(session: Any, action: str, ids: list[int], context: Any, *, now: datetime, days: tuple[int, int] | None, tags: list[str]) -> tuple[ActionResult, dict[str, Any]]:
    if action in ("suspend", "unsuspend"):
        changed = q.set_suspended(session, ids, action == "suspend", now)
        return ActionResult(action, len(ids), len(changed)), {"ids": changed}
    if action in ("bury", "unbury"):
        until = context.day(1) if action == "bury" else None
        buried = q.set_buried(session, ids, until, now)
        detail = f"until {until.isoformat()}" if until else ""
        return ActionResult(action, len(ids), len(buried), detail=detail), {"buried": buried}
    if action in ("tag-add", "tag-remove"):
        add, remove = (tags, []) if action == "tag-add" else ([], tags)
        changes = q.retag(session, ids, add, remove, now)
        return ActionResult(action, len(ids), len(changes), detail=("with " if add else "removing ") + " ".join(tags)), {"tags": changes}
    if action == "forget":
        forgotten, skipped = q.manual_entries(session, ids, now, due=None)
        return ActionResult(action, len(ids), len(forgotten), skipped), {"reviews": forgotten}
    assert days is not None
    first, last = days
    added: list[int] = []
    skipped = 0
    for card_id in ids:  # one due date per card (a range spreads them, as Anki does)
        offset = first if first == last else random.Random(f"{card_id}:{now.isoformat()}").randint(first, last)
        entries, skip = q.manual_entries(session, [card_id], now, due=context.day(offset))
        added.extend(entries)
        skipped += skip
    detail = f"{first}" if first == last else f"{first}-{last}"
    return ActionResult(action, len(ids), len(added), skipped, detail=f"{detail} days from today"), {"reviews": added}


@dataclass(frozen=True)
class UndoResult:
    action: str
    query: str
    restored: int


def undo(collection: Collection, *, now: datetime) -> UndoResult:
    """Put back the cards changed by the last ``srs cards`` action."""
    now = as_utc(now)

    def transaction(session: Session) -> UndoResult:
        record = q.take_undo(session)
        if record is None:
            raise SrsError("nothing to undo: no srs cards action since the last undo")
        action = str(record.get("action"))
        if action in ("suspend", "unsuspend"):
            restored = q.restore_suspended(session, record["ids"], action == "unsuspend", now)
        elif action in ("bury", "unbury"):
            restored = q.restore_buried(session, [(int(i), b) for i, b in record["buried"]], now)
        elif action in ("tag-add", "tag-remove"):
            restored = q.restore_tags(session, [(int(i), b, a) for i, b, a in record["tags"]], now)
        else:
            settings: dict[int, SchedulerSettings] = {}

            def settings_of(card: Any) -> SchedulerSettings:
                if card.deck_id not in settings:
                    settings[card.deck_id] = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
                return settings[card.deck_id]

            restored = q.undo_manual_entries(session, record["reviews"], settings_of, now)
        return UndoResult(action, str(record.get("query", "")), restored)

    return collection.transact(transaction)


def find_one(collection: Collection, reference: str, *, now: datetime) -> int:
    """The id of card ``reference``: a card id, or a search that matches exactly one card."""
    text = reference.strip()
    query = f"cid:{text}" if text.isdigit() else text
    result = browse(collection, query, now=now, limit=2, sort="id")
    if result.total == 0:
        raise NotFoundError(f"no card with id {text}" if text.isdigit() else f"no card matches {text!r}")
    if result.total > 1:
        raise SrsError(f"{result.total:,} cards match {text!r}; give a card id (srs cards {text!r} lists them)")
    return result.rows[0].id


@dataclass(frozen=True)
class ManualEntry:
    at: datetime
    forgot: bool
    due: datetime


@dataclass(frozen=True)
class CardDetail:
    id: int
    deck: str
    kind: str
    front: str
    back: str
    tags: str
    source_path: str | None
    source_line: int | None
    created_at: datetime
    row: CardRow
    manual: list[ManualEntry]
    curve: Any  # srs.domain.forgetting_curve.CardCurve, None before the first answer


def card_detail(collection: Collection, card_id: int, *, now: datetime) -> CardDetail:
    """Everything ``srs card ID`` shows: content, source, memory state, log and curve."""
    from srs.app.stats import card_history

    now = as_utc(now)
    with collection.read() as session:
        card = session.get(Card, card_id)
        if card is None:
            raise NotFoundError(f"no card with id {card_id}")
        context = search_context(session, now)
        row = find_cards(session, compile_search(search.CardIds((card_id,)), context), context, limit=1)[0]
        manual = [ManualEntry(reviewed_at, state == CardState.NEW, due) for reviewed_at, state, due in manual_entries_of(session, card_id)]
        answered = bool(row.reps) and has_answers(session, card_id)
        detail = dict(
            id=card.id, deck=row.deck, kind=card.kind, front=card.front, back=card.back, tags=card.tags or "",
            source_path=card.source_path, source_line=card.source_line, created_at=card.created_at,
        )
    curve = card_history(collection, card_id, now=now) if answered else None
    return CardDetail(**detail, row=row, manual=manual, curve=curve)  # type: ignore[arg-type]

