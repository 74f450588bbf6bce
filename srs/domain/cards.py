"""What a card is, in values every layer shares: its place in FSRS and its kind. Pure.

The store keeps them in columns (:mod:`srs.store.models`), the scheduler and the queue rules
reason with them; defined here so that neither loads the database layer.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class CardState(IntEnum):
    """A card's place in FSRS; 1-3 are py-fsrs's ``State`` values, 0 is a card never reviewed."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class CardKind(StrEnum):
    """Kinds of card (stored as plain strings)."""

    TASK = "task"  # a completed task of a study plan, back = its notes
    SECTION = "section"  # a heading section of a note, back = its body
    BASIC = "basic"  # Q::A or a ? block
    REVERSED = "reversed"  # the reverse direction of Q:::A or a ?? block
    CLOZE = "cloze"  # one cloze number of a ==text== / {{c1::text}} note
    IMPORTED = "imported"  # a placeholder for a review history brought in without notes (revlog CSV)
    ANKI = "anki"  # a card from an Anki collection
