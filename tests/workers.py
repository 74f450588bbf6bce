"""Child processes for the concurrency and crash tests: ``python tests/workers.py KIND ...``.

Each worker waits for the start file (so that all of them begin together), then writes
through the store exactly as the commands do (``Collection.transact``), and prints one
``ack ...`` line, flushed, after each committed transaction: what it printed must be in the
collection afterwards, whatever happened to the other workers.

* ``answer URL START_FILE CARD_IDS FIRST_MICROS COUNT``: answer the cards in turn, one
  transaction per answer (``record_answer``), a minute apart per card.
* ``bulk URL START_FILE BATCHES SIZE DECK``: like a large import: each transaction adds SIZE
  cards, each with a three-answer history (``import_history``).
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path


def _wait(start_file: str) -> None:
    deadline = time.monotonic() + 60
    while not Path(start_file).exists():
        if time.monotonic() > deadline:
            raise SystemExit("start file never appeared")
        time.sleep(0.005)


def answer_worker(url: str, start_file: str, card_ids: str, first_micros: str, count: str) -> None:
    from srs.domain.scheduling import SchedulerSettings, answer
    from srs.store.collection import Collection
    from srs.store.models import Card
    from srs.store.presets import preset_for_deck
    from srs.store.reviews import card_memory, record_answer
    from srs.timeutil import from_micros, to_micros

    ids = [int(x) for x in card_ids.split(",")]
    first = from_micros(int(first_micros))
    collection = Collection.open(url, now=first)
    _wait(start_file)
    for number in range(int(count)):
        card_id = ids[number % len(ids)]
        when = first + timedelta(minutes=number)
        rating = (3, 3, 4, 1, 2)[number % 5]

        def record(session, card_id=card_id, when=when, rating=rating):  # type: ignore[no-untyped-def]
            card = session.get(Card, card_id)
            settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
            return record_answer(session, card, answer(card_memory(card), rating, when, settings, seed=card_id)).id

        review_id = collection.transact(record)
        print(f"ack {card_id} {to_micros(when)} {review_id}", flush=True)
    collection.close()


def bulk_worker(url: str, start_file: str, batches: str, size: str, deck: str) -> None:
    import hashlib

    from srs.domain.scheduling import SchedulerSettings
    from srs.store.collection import Collection
    from srs.store.decks import get_or_create_deck
    from srs.store.models import Card
    from srs.store.presets import preset_for_deck
    from srs.store.reviews import import_history
    from srs.timeutil import utc_now

    now = utc_now()
    collection = Collection.open(url, now=now)
    _wait(start_file)
    for batch in range(int(batches)):

        def write(session, batch=batch):  # type: ignore[no-untyped-def]
            target = get_or_create_deck(session, deck, now)
            settings = SchedulerSettings.from_preset(preset_for_deck(session, target.id))
            cards = []
            for number in range(int(size)):
                front = f"{deck} {batch}.{number}"
                card = Card(
                    key=f"bulk:{deck}:{batch}:{number}", note_key=f"bulk:{deck}:{batch}:{number}", kind="basic", deck_id=target.id,
                    front=front, back="b", heading_path="", content_hash=hashlib.sha256(front.encode()).hexdigest(), tags="",
                    origin="markdown", created_at=now, updated_at=now,
                )
                session.add(card)
                cards.append(card)
            session.flush()
            start = now - timedelta(days=30)
            events = [(3, start, 1000), (3, start + timedelta(minutes=10), 900), (2, start + timedelta(days=3), 1500)]
            import_history(session, [(card, events) for card in cards], settings, now)
            return len(cards)

        added = collection.transact(write)
        print(f"ack batch {batch} {added}", flush=True)
    collection.close()


if __name__ == "__main__":
    kind, *arguments = sys.argv[1:]
    {"answer": answer_worker, "bulk": bulk_worker}[kind](*arguments)
