"""Queries and repairs behind ``srs check``: damage a collection can carry, found in SQL.

Each finder is a portable query (an anti-join rather than SQLite's ``foreign_key_check``),
so the same check runs on SQLite and PostgreSQL. Repairs take an open write session; the
caller decides the order (presets and decks before replaying card states).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select, text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, aliased, defer

from srs.domain.scheduling import Event, MemoryState
from srs.store.collection import is_lock_error, one_line
from srs.store.models import Card, CardKind, CardState, Deck, ImportRoot, Preset, Review, Setting, Source
from srs.store.reviews import log_event

ORPHAN_DECK = "Orphaned reviews"
ORPHAN_ORIGIN = "orphan"
VALID_RATINGS = (0, 1, 2, 3, 4)  # 0: a manual entry (srs cards forget / set-due), 1-4 answers
_STATES = frozenset(int(state) for state in CardState)


def is_damage(error: BaseException) -> bool:
    """True for a database error that is not a lock (SQLite's "database disk image is
    malformed", an unreadable page...): what a check step on a damaged file may hit."""
    return isinstance(error, DatabaseError) and not is_lock_error(error)


def integrity_problems(session: Session) -> list[str]:
    """SQLite: ``PRAGMA integrity_check`` lines other than ``ok`` (one per line: SQLite puts
    several in one row), or the error that stopped it. PostgreSQL: every table readable (a
    savepoint each, as an error aborts the transaction) and indexes the server marks invalid."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        try:
            with session.begin_nested():
                rows = [str(row[0]) for row in session.execute(text("PRAGMA integrity_check"))]
        except DatabaseError as error:
            if not is_damage(error):
                raise
            return [f"the check itself failed: {one_line(str(error.orig or error))}"]
        lines = [line.strip() for row in rows for line in row.splitlines() if line.strip()]
        return [] if lines == ["ok"] else [line for line in lines if not line.startswith("*** in database")]
    problems = []
    for model in (Preset, Deck, ImportRoot, Source, Card, Review, Setting):
        try:
            with session.begin_nested():
                session.execute(select(func.count()).select_from(model)).scalar_one()
        except DatabaseError as error:
            if not is_damage(error):
                raise
            problems.append(f"table {model.__table__.name} cannot be read: {one_line(str(error.orig or error))}")
    if dialect == "postgresql":
        invalid = session.execute(
            text("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid")
        ).scalars()
        problems.extend(f"index {name} is invalid" for name in invalid)
    return problems


# --- stored times that are not times ----------------------------------------------------


def reindex(session: Session) -> None:
    """Rebuild every index (repairs index damage that integrity_check reports)."""
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        session.execute(text("REINDEX"))
    else:
        quote = dialect.identifier_preparer.format_table
        for model in (Preset, Deck, ImportRoot, Source, Card, Review, Setting):
            session.execute(text("REINDEX TABLE " + quote(model.__table__)))  # our own table names, quoted


def counts(session: Session) -> tuple[int, int]:
    """(cards, reviews) in the collection."""
    cards = session.execute(select(func.count()).select_from(Card)).scalar_one()
    reviews = session.execute(select(func.count()).select_from(Review)).scalar_one()
    return int(cards), int(reviews)


# --- reviews ----------------------------------------------------------------------------


def orphan_reviews(session: Session) -> list[tuple[int, int]]:
    """``(card_id, number of reviews)`` for review rows whose card does not exist."""
    rows = session.execute(
        select(Review.card_id, func.count())
        .outerjoin(Card, Card.id == Review.card_id)
        .where(Card.id.is_(None))
        .group_by(Review.card_id)
        .order_by(Review.card_id)
    ).all()
    return [(int(card_id), int(number)) for card_id, number in rows]


def rehome_orphan_reviews(session: Session, card_ids: Sequence[int], *, deck_id: int, now: datetime) -> None:
    """Give each orphaned log a retired, suspended placeholder card with the missing id.

    The history stays (it is years of answers, and statistics and the optimizer use it); the
    placeholder never shows up in a review (retired) and its state is then the replay of the
    log like every other card's.
    """
    for card_id in card_ids:
        session.add(
            Card(
                id=card_id,
                key=f"{ORPHAN_ORIGIN}:{card_id}",
                note_key=f"{ORPHAN_ORIGIN}:{card_id}",
                kind=str(CardKind.IMPORTED),
                deck_id=deck_id,
                front=f"(card {card_id}: its card was lost; srs check kept its review history)",
                back="",
                heading_path="",
                content_hash="",
                tags="",
                origin=ORPHAN_ORIGIN,
                external_id=str(card_id),
                state=int(CardState.NEW),
                reps=0,
                lapses=0,
                suspended=True,
                retired_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()


def invalid_rating_reviews(session: Session) -> list[tuple[int, int, int]]:
    """``(review id, card id, rating)`` of log rows with a rating other than 1-4 (or 0, a manual entry)."""
    rows = session.execute(
        select(Review.id, Review.card_id, Review.rating).where(Review.rating.not_in(VALID_RATINGS)).order_by(Review.id)
    ).all()
    return [(int(r.id), int(r.card_id), int(r.rating)) for r in rows]


def cards_of_reviews(session: Session, review_ids: Sequence[int]) -> list[int]:
    """The distinct cards that the reviews ``review_ids`` belong to."""
    cards: set[int] = set()
    for start in range(0, len(review_ids), 500):
        chunk = list(review_ids[start : start + 500])
        cards.update(int(c) for c in session.execute(select(Review.card_id).where(Review.id.in_(chunk))).scalars())
    return sorted(cards)


def delete_reviews(session: Session, review_ids: Sequence[int]) -> None:
    for start in range(0, len(review_ids), 500):
        session.execute(delete(Review).where(Review.id.in_(review_ids[start : start + 500])))


# --- decks, presets, references ---------------------------------------------------------


def decks_without_preset(session: Session) -> list[tuple[int, str, int]]:
    """``(deck id, name, missing preset id)``."""
    rows = session.execute(
        select(Deck.id, Deck.name, Deck.preset_id).outerjoin(Preset, Preset.id == Deck.preset_id).where(Preset.id.is_(None)).order_by(Deck.id)
    ).all()
    return [(int(r.id), str(r.name), int(r.preset_id)) for r in rows]


def set_deck_presets(session: Session, deck_ids: Sequence[int], preset_id: int) -> None:
    session.execute(update(Deck).where(Deck.id.in_(list(deck_ids))).values(preset_id=preset_id))


def cards_without_deck(session: Session) -> list[tuple[int, int]]:
    """``(card id, missing deck id)``."""
    rows = session.execute(
        select(Card.id, Card.deck_id).outerjoin(Deck, Deck.id == Card.deck_id).where(Deck.id.is_(None)).order_by(Card.id)
    ).all()
    return [(int(r.id), int(r.deck_id)) for r in rows]


def move_cards(session: Session, card_ids: Sequence[int], deck_id: int, now: datetime) -> None:
    for start in range(0, len(card_ids), 500):
        chunk = list(card_ids[start : start + 500])
        session.execute(update(Card).where(Card.id.in_(chunk)).values(deck_id=deck_id, updated_at=now))


def dangling_source_links(session: Session) -> list[int]:
    """Ids of cards whose ``source_id`` names a source row that does not exist."""
    rows = session.execute(
        select(Card.id).outerjoin(Source, Source.id == Card.source_id).where(and_(Card.source_id.is_not(None), Source.id.is_(None))).order_by(Card.id)
    ).scalars()
    return [int(r) for r in rows]


def clear_source_links(session: Session, card_ids: Sequence[int]) -> None:
    for start in range(0, len(card_ids), 500):
        session.execute(update(Card).where(Card.id.in_(list(card_ids[start : start + 500]))).values(source_id=None))


def dangling_root_links(session: Session) -> list[int]:
    """Ids of sources whose ``root_id`` names an import root that does not exist."""
    root = aliased(ImportRoot)
    rows = session.execute(
        select(Source.id).outerjoin(root, root.id == Source.root_id).where(and_(Source.root_id.is_not(None), root.id.is_(None))).order_by(Source.id)
    ).scalars()
    return [int(r) for r in rows]


def clear_root_links(session: Session, source_ids: Sequence[int]) -> None:
    session.execute(update(Source).where(Source.id.in_(list(source_ids))).values(root_id=None))


def presets(session: Session) -> list[Preset]:
    """Every preset; ``updated_at`` is loaded only when used (a damaged one is reported, and
    repaired first, by the check of stored times)."""
    return list(session.scalars(select(Preset).options(defer(Preset.updated_at)).order_by(Preset.id)))


def settings_rows(session: Session) -> list[Setting]:
    return list(session.scalars(select(Setting).order_by(Setting.key)))


# --- source files -----------------------------------------------------------------------


def active_source_paths(session: Session) -> list[str]:
    """Distinct source files of cards that are not retired (cards from Markdown notes)."""
    rows = session.execute(
        select(Card.source_path).where(and_(Card.source_path.is_not(None), Card.retired_at.is_(None))).distinct().order_by(Card.source_path)
    ).scalars()
    return [str(r) for r in rows]


def active_cards_from(session: Session, paths: Sequence[str]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(paths), 500):
        chunk = list(paths[start : start + 500])
        ids.extend(
            int(r) for r in session.execute(select(Card.id).where(and_(Card.source_path.in_(chunk), Card.retired_at.is_(None)))).scalars()
        )
    return sorted(ids)


def retire_cards(session: Session, card_ids: Sequence[int], now: datetime) -> None:
    for start in range(0, len(card_ids), 500):
        chunk = list(card_ids[start : start + 500])
        session.execute(update(Card).where(Card.id.in_(chunk)).values(retired_at=now, updated_at=now))


# --- card states against the replay of their logs ---------------------------------------


@dataclass(frozen=True)
class CardLog:
    """A card's stored memory state and its log, for comparison with the replay."""

    card_id: int
    deck_id: int
    front: str
    stored: MemoryState
    events: list[Event]


def card_logs(session: Session, *, chunk: int = 2000, skip: Collection[int] = ()) -> Iterator[CardLog]:
    """Every card with its ``(rating, reviewed_at)`` log, in id order, a chunk at a time
    (memory stays bounded for millions of reviews). Rows with invalid ratings are left out,
    and so are the cards in ``skip`` (whose state or log cannot be read)."""
    last_id = None
    skipped = set(skip)
    while True:
        # The chunk's ids first, then its rows by id: the skipped cards are dropped in Python
        # (a NOT IN of every skipped id could pass SQLite's limit of bound parameters).
        page = select(Card.id).order_by(Card.id).limit(chunk)
        if last_id is not None:
            page = page.where(Card.id > last_id)
        page_ids = session.scalars(page).all()
        if not page_ids:
            return
        last_id = page_ids[-1]
        ids = [card_id for card_id in page_ids if card_id not in skipped]
        if not ids:
            continue
        cards = session.execute(
            select(
                Card.id, Card.deck_id, Card.front, Card.state, Card.step, Card.stability, Card.difficulty,
                Card.due, Card.last_review, Card.reps, Card.lapses,
            ).where(Card.id.in_(ids)).order_by(Card.id)
        ).all()
        events: dict[int, list[Event]] = {}
        log = (
            select(Review.card_id, Review.rating, Review.reviewed_at, Review.state, Review.due)
            .where(Review.card_id.in_(ids), Review.rating.in_(VALID_RATINGS))
            .order_by(Review.card_id, Review.reviewed_at, Review.id)
        )
        for card_id, rating, reviewed_at, state, due in session.execute(log):
            events.setdefault(card_id, []).append(log_event(int(rating), reviewed_at, state, due))
        for row in cards:
            stored = MemoryState(
                state=CardState(row.state) if row.state in _STATES else row.state,  # an invalid state stays as it is: a mismatch
                step=row.step,
                stability=row.stability,
                difficulty=row.difficulty,
                due=row.due,
                last_review=row.last_review,
                reps=row.reps,
                lapses=row.lapses,
            )
            yield CardLog(int(row.id), int(row.deck_id), str(row.front), stored, events.get(row.id, []))


def store_memories(session: Session, memories: Sequence[tuple[int, MemoryState]], now: datetime) -> None:
    """Set the memory state of each ``(card id, memory)`` (bulk update by primary key)."""
    rows = [
        {
            "id": card_id,
            "state": int(memory.state),
            "step": memory.step,
            "stability": memory.stability,
            "difficulty": memory.difficulty,
            "due": memory.due,
            "last_review": memory.last_review,
            "reps": memory.reps,
            "lapses": memory.lapses,
            "updated_at": now,
        }
        for card_id, memory in memories
    ]
    for start in range(0, len(rows), 1000):
        session.execute(update(Card), rows[start : start + 1000])


def deck_presets(session: Session) -> dict[int, int | None]:
    """Deck id -> preset id (None when the preset is missing)."""
    rows = session.execute(select(Deck.id, Preset.id).outerjoin(Preset, Preset.id == Deck.preset_id)).all()
    return {int(deck_id): (int(preset_id) if preset_id is not None else None) for deck_id, preset_id in rows}
