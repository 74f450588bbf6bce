"""What one review session did: its answers, the leeches they made, and what can be undone.

The session's summary counts the answers kept (and the Again among them) and lists the
leeches; ``u`` takes back the newest answer or flag change (suspend, bury) still on the undo
stack. Taking an answer back forgets it here too, so the summary never counts an answer the
log no longer has (issue 21). The database side of an undo: :mod:`srs.store.queue`.
"""

from __future__ import annotations

from dataclasses import dataclass

from srs.domain.scheduling import Rating
from srs.store.answers import AnswerOutcome
from srs.store.queue import FlagChange


@dataclass
class UndoEntry:
    """One step ``u`` can take back: an answer, or a flag change, in a deck (whose preset's
    settings replay the card)."""

    deck_id: int
    answer: AnswerOutcome | None = None
    flags: FlagChange | None = None


class SessionRecord:
    """The answers kept, in order, as (card id, rating); the cards that became leeches; the undo
    stack, newest last. A preview records its ratings (for the summary) and nothing to undo."""

    def __init__(self) -> None:
        self.ratings: list[tuple[int, Rating]] = []
        self.leeches: list[int] = []
        self.undo_stack: list[UndoEntry] = []

    def previewed(self, card_id: int, rating: Rating) -> None:
        self.ratings.append((card_id, rating))

    def answered(self, deck_id: int, rating: Rating, outcome: AnswerOutcome) -> None:
        self.undo_stack.append(UndoEntry(deck_id, answer=outcome))
        self.ratings.append((outcome.card_id, rating))
        if outcome.leech:
            self.leeches.append(outcome.card_id)

    def flagged(self, deck_id: int, change: FlagChange) -> None:
        self.undo_stack.append(UndoEntry(deck_id, flags=change))

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    def take_back(self) -> UndoEntry:
        """The newest step to undo, off the stack (it is not put back if the undo then fails)."""
        return self.undo_stack.pop()

    def forget(self, outcome: AnswerOutcome) -> None:
        """An answer was undone: it is no longer counted, nor its leech listed."""
        for index in range(len(self.ratings) - 1, -1, -1):
            if self.ratings[index][0] == outcome.card_id:
                del self.ratings[index]
                break
        if outcome.leech and outcome.card_id in self.leeches:
            self.leeches.remove(outcome.card_id)

    @property
    def answers(self) -> int:
        return len(self.ratings)

    @property
    def again(self) -> int:
        return sum(1 for _, rating in self.ratings if rating == Rating.AGAIN)
