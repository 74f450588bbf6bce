"""Recording an answer: the card's row read and checked against what was shown, the new memory
state and the review row written in one transaction, leeches flagged and siblings buried; and
undoing the last answer by replaying the log without it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, or_, select, update
from sqlalchemy.orm import Session

from srs.domain.queue_rules import (
    LEECH_TAG,
    CardView,
    DeckRules,
    is_leech,
    with_tag,
)
from srs.domain.scheduling import MemoryState, Rating, SchedulerSettings, answer
from srs.errors import SrsError
from srs.store.collection import Collection
from srs.store.models import Card, CardState, Review, UTCDateTime
from srs.store.reviews import card_memory, store_answer, undo_last_review


class CardChanged(SrsError):
    """The card changed since the session queued it (another session answered or edited it)."""


_SIBLINGS_STATEMENT = select(Card.id, Card.buried_until).where(
    Card.note_key == bindparam("note_key"),
    Card.id != bindparam("card_id"),
    Card.retired_at.is_(None),
    Card.suspended.is_(False),
    Card.state.in_([int(CardState.NEW), int(CardState.REVIEW)]),
    or_(Card.buried_until.is_(None), Card.buried_until < bindparam("until", type_=UTCDateTime())),
)


_BURY_STATEMENT = update(Card).where(Card.id.in_(bindparam("ids", expanding=True))).values(buried_until=bindparam("until", type_=UTCDateTime()))


@dataclass(frozen=True)
class AnswerOutcome:
    """A committed answer, with what is needed to undo it exactly."""

    review_id: int
    card_id: int
    note_key: str
    rating: Rating
    reviewed_at: datetime
    memory: MemoryState
    state_before: CardState
    bury_until: datetime | None = None
    buried: tuple[tuple[int, datetime | None], ...] = ()  # sibling id, its buried_until before
    leech: bool = False
    tags_before: str = ""
    suspended_before: bool = False

    @property
    def lapsed(self) -> bool:
        return self.rating == Rating.AGAIN and self.state_before == CardState.REVIEW


def _load(session: Session, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None or card.retired_at is not None:
        raise CardChanged(f"card {card_id} no longer exists (its note was removed)")
    return card


_ANSWER_READ = select(Card.id, Card.note_key, Card.tags, Card.suspended, Card.retired_at, Card.state, Card.step,
                      Card.stability, Card.difficulty, Card.due, Card.last_review, Card.reps, Card.lapses
                      ).where(Card.id == bindparam("card_id"))


_FLAGS_READ = select(Card.tags, Card.suspended).where(Card.id == bindparam("card_id"))


@dataclass(frozen=True)
class Shown:
    """What answering needs of a card: as the session showed it, or as read in the answer's
    own transaction (:func:`answer_card` without ``shown``)."""

    card_id: int
    note_key: str
    memory: MemoryState
    tags: str = ""
    suspended: bool = False

    @classmethod
    def of(cls, view: CardView) -> Shown:
        return cls(view.card_id, view.note_key, view.memory, view.tags, view.suspended)


def _read_for_answer(connection: Connection, card_id: int, expect_reps: int | None) -> Shown:
    row = connection.execute(_ANSWER_READ, {"card_id": card_id}).one_or_none()
    if row is None or row.retired_at is not None:
        raise CardChanged(f"card {card_id} no longer exists (its note was removed)")
    if expect_reps is not None and row.reps != expect_reps:
        raise CardChanged(f"card {card_id} was answered elsewhere meanwhile; not answered again")
    return Shown(row.id, row.note_key, card_memory(row), row.tags or "", bool(row.suspended))


def _why_not_stored(connection: Connection, shown: Shown) -> CardChanged:
    """The card was not in the state it was shown with: say why (it is gone, answered, changed)."""
    row = connection.execute(_ANSWER_READ, {"card_id": shown.card_id}).one_or_none()
    if row is None or row.retired_at is not None:
        return CardChanged(f"card {shown.card_id} no longer exists (its note was removed)")
    if row.reps != shown.memory.reps:
        return CardChanged(f"card {shown.card_id} was answered elsewhere meanwhile; not answered again")
    return CardChanged(f"card {shown.card_id} was rescheduled elsewhere meanwhile; not answered")


def _flags_now(connection: Connection, card: Shown) -> tuple[str, bool]:
    """A card's tags and suspension as stored now (a leech's, rare), not as shown."""
    fresh = connection.execute(_FLAGS_READ, {"card_id": card.card_id}).one_or_none()
    return (card.tags, card.suspended) if fresh is None else (fresh.tags or "", bool(fresh.suspended))


def _bury_siblings(connection: Connection, card: Shown, until: datetime) -> list[tuple[int, datetime | None]]:
    """Bury the card's unburied siblings until ``until``: their ids and ``buried_until`` before."""
    rows = connection.execute(_SIBLINGS_STATEMENT, {"note_key": card.note_key, "card_id": card.card_id, "until": until}).all()
    buried = [(sibling.id, sibling.buried_until) for sibling in rows]
    if buried:
        connection.execute(_BURY_STATEMENT, {"ids": [sibling_id for sibling_id, _ in buried], "until": until})
    return buried


def answer_card(
    collection: Collection,
    card_id: int,
    rating: Rating | int,
    *,
    now: datetime,
    rules: DeckRules,
    duration_ms: int | None,
    expect_reps: int | None = None,
    bury_until: datetime | None = None,
    siblings: bool = True,
    shown: Shown | None = None,
) -> AnswerOutcome:
    """Answer a card in one transaction: schedule it, log it, bury its siblings until
    ``bury_until`` (None: no burying), and tag + suspend it if it became a leech.
    ``siblings=False`` (the card was shown without siblings) skips looking for them.

    ``shown``: the card as the session read it when it came up; its state is then not read
    again: the card's row is updated only where it still holds that state (else
    :class:`CardChanged` and nothing is written). Without it the card is read first, and
    ``expect_reps`` (the review count it had when shown) guards against another session having
    answered it meanwhile. Statements: the UPDATE and the log INSERT (+ the sibling query).
    """
    rating = Rating(rating)

    def action(connection: Connection) -> AnswerOutcome:
        card = shown if shown is not None else _read_for_answer(connection, card_id, expect_reps)
        if expect_reps is not None and card.memory.reps != expect_reps:
            raise CardChanged(f"card {card_id} was answered elsewhere meanwhile; not answered again")
        memory = card.memory
        # A clock behind the card's last review (another machine's) must not reorder the log.
        when = now if memory.last_review is None or now >= memory.last_review else memory.last_review
        result = answer(memory, rating, when, rules.settings, seed=card_id, duration_ms=duration_ms)
        lapsed = result.state_before == CardState.REVIEW and rating == Rating.AGAIN
        leech = lapsed and is_leech(result.memory.lapses, rules.leech_threshold)
        tags_before, suspended_before = _flags_now(connection, card) if leech else (card.tags, card.suspended)
        flags = (with_tag(tags_before, LEECH_TAG), True) if leech else None
        review_id = store_answer(connection, card_id, memory, result, flags)
        if review_id is None:
            raise _why_not_stored(connection, card)
        buried = _bury_siblings(connection, card, bury_until) if bury_until is not None and siblings else []
        return AnswerOutcome(
            review_id=review_id,
            card_id=card_id,
            note_key=card.note_key,
            rating=rating,
            reviewed_at=result.reviewed_at,
            memory=result.memory,
            state_before=result.state_before,
            bury_until=bury_until,
            buried=tuple(buried),
            leech=leech,
            tags_before=tags_before,
            suspended_before=suspended_before,
        )

    return collection.transact_core(action)


def undo_answer(collection: Collection, outcome: AnswerOutcome, *, settings: SchedulerSettings, now: datetime) -> None:
    """Take back ``outcome`` in one transaction: its log row removed, the card's state set
    to the replay of the rest of its log, siblings it buried unburied, leech undone."""

    def action(session: Session) -> None:
        card = session.get(Card, outcome.card_id)
        if card is None:
            raise CardChanged(f"card {outcome.card_id} no longer exists; nothing to undo")
        newest = session.scalar(
            select(Review.id).where(Review.card_id == card.id).order_by(Review.reviewed_at.desc(), Review.id.desc()).limit(1)
        )
        if newest != outcome.review_id:
            raise CardChanged(f"card {card.id} was answered again elsewhere; its answer cannot be undone here")
        undo_last_review(session, card, settings, now)
        if outcome.leech:
            card.tags = outcome.tags_before
            card.suspended = outcome.suspended_before
        for sibling_id, before in outcome.buried:
            # Only where it is still buried by this answer (not re-buried or edited since).
            session.execute(
                update(Card).where(Card.id == sibling_id, Card.buried_until == outcome.bury_until).values(buried_until=before),
                execution_options={"synchronize_session": False},
            )
        session.flush()

    collection.transact(action)
