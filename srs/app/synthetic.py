"""Synthetic review histories written in bulk into a collection: ``srs.app.synthetic_model``
simulates them, this module turns them into rows and writes them in one transaction.

Used by the statistics tests (does the empirical forgetting curve match the model that made
the data?) and by the benchmarks (a million reviews in about a minute on one core; ``processes`` shares the
simulation between cores).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from srs.app.synthetic_model import Block, CardHistory, SyntheticSpec, blocks, simulate_block
from srs.domain.scheduling import SchedulerSettings
from srs.timeutil import as_utc, to_micros

if TYPE_CHECKING:
    from srs.store.collection import Collection

__all__ = ["SyntheticSpec", "SyntheticSummary", "block_rows", "blocks", "simulate_block", "write_synthetic"]


@dataclass(frozen=True)
class SyntheticSummary:
    deck: str
    cards: int
    reviews: int
    target: int
    first_card_id: int
    start: datetime
    end: datetime

    def __str__(self) -> str:
        short = f" (target {self.target:,}: the span holds no more at these intervals)" if self.reviews < self.target else ""
        return (
            f"Wrote {self.cards:,} synthetic cards with {self.reviews:,} reviews{short} to deck {self.deck} "
            f"({self.start:%Y-%m-%d} to {self.end:%Y-%m-%d})."
        )


def card_row(history: CardHistory, deck_id: int, start_micros: int) -> dict[str, object]:
    """The ``cards`` row of a simulated card (timestamps as micros, placed in the span)."""
    state, step, stability, difficulty, due, last, reps, lapses = history.memory
    offset = start_micros + history.shift_micros
    front = f"Synthetic card {history.card_id}"
    back = f"Answer {history.card_id}"
    first = offset + int(history.rows[0]["reviewed_at"]) if history.rows else start_micros  # type: ignore[call-overload]
    return {
        "id": history.card_id,
        "key": f"synthetic:{history.card_id}",
        "note_key": f"synthetic:{history.card_id}",
        "kind": "basic",
        "deck_id": deck_id,
        "source_id": None,
        "source_path": None,
        "source_line": None,
        "heading_path": "",
        "front": front,
        "back": back,
        "content_hash": hashlib.sha256(f"{front}\x00{back}".encode()).hexdigest(),
        "tags": "",
        "origin": "synthetic",
        "external_id": None,
        "state": state,
        "step": step,
        "stability": stability,
        "difficulty": difficulty,
        "due": None if due is None else offset + due,
        "last_review": None if last is None else offset + last,
        "reps": reps,
        "lapses": lapses,
        "suspended": False,
        "buried_until": None,
        "retired_at": None,
        "created_at": first,
        "updated_at": first if last is None else offset + last,
    }


def placed_rows(history: CardHistory, start_micros: int) -> list[dict[str, object]]:
    """The card's log rows with their times placed in the span (micros since the epoch)."""
    offset = start_micros + history.shift_micros
    for row in history.rows:
        row["reviewed_at"] = offset + row["reviewed_at"]  # type: ignore[operator]
        row["due"] = offset + row["due"]  # type: ignore[operator]
    return history.rows


def block_rows(
    spec: SyntheticSpec, settings: SchedulerSettings, block: Block, first_card_id: int, start_micros: int, deck_id: int
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The ``cards`` and ``reviews`` rows of one block (run in a worker process when parallel)."""
    cards: list[dict[str, object]] = []
    reviews: list[dict[str, object]] = []
    for history in simulate_block(spec, settings, block, first_card_id=first_card_id, start_micros=start_micros):
        cards.append(card_row(history, deck_id, start_micros))
        reviews.extend(placed_rows(history, start_micros))
    return cards, reviews


def write_synthetic(
    collection: Collection,
    spec: SyntheticSpec,
    *,
    now: datetime,
    deck: str = "Synthetic",
    processes: int = 1,
) -> SyntheticSummary:
    """Simulate ``spec`` into deck ``deck`` of ``collection`` in one transaction; the span ends at ``now``.

    Uses the deck's preset (scheduler settings); cards get fresh ids after the largest one.
    ``processes`` > 1 simulates blocks in that many worker processes (same result).
    """
    from srs.store.bulk import insert_rows, next_card_id
    from srs.store.decks import get_or_create_deck
    from srs.store.models import Card, Review
    from srs.store.presets import preset_for_deck

    spec.validate()
    now = as_utc(now)
    start = now - timedelta(days=spec.span_days)
    start_micros = to_micros(start)

    def write(session) -> SyntheticSummary:  # type: ignore[no-untyped-def]
        deck_row = get_or_create_deck(session, deck, now)
        settings = SchedulerSettings.from_preset(preset_for_deck(session, deck_row.id))
        first_id = next_card_id(session)
        jobs = [(spec, settings, block, first_id, start_micros, deck_row.id) for block in blocks(spec)]
        total_cards = total_reviews = 0

        def store(cards: list[dict[str, object]], reviews: list[dict[str, object]]) -> None:
            nonlocal total_cards, total_reviews
            total_cards += insert_rows(session, Card, cards)
            total_reviews += insert_rows(session, Review, reviews)

        if processes > 1 and len(jobs) > 1:
            from srs.app.worker_pool import process_pool

            with process_pool(processes, "spawn") as pool:
                for cards, reviews in pool.map(block_rows, *zip(*jobs)):
                    store(cards, reviews)
        else:
            for job in jobs:
                store(*block_rows(*job))
        return SyntheticSummary(deck_row.name, total_cards, total_reviews, spec.reviews, first_id, start, now)

    return collection.transact(write)
