"""The review loop, timed per card through the session engine ``srs review`` runs.

``python -m bench.review_loop DB NOW_ISO N`` drives :class:`srs.app.review.ReviewSession` (the
loop of ``srs review``: queue built once, then per card: choose the next card, read it,
compute the four button intervals, take the answer, schedule it and commit it in its own
transaction, requeue it if it is on a learning step) with a key source that answers at once
and a screen that draws nothing, so rendering is excluded and everything else is in.

Per-card time: from one acknowledged answer (``Screen.answered``) to the next, so it holds
choosing, reading, scheduling and committing the card (wall time, and the process's CPU time
over the same span, which other work on the machine does not inflate as much). The first card (which follows the
queue build) is reported as session set-up instead. The clock advances 8 s per answer, so
cards on short learning steps come back as in a real session; ratings are drawn (seeded)
10% Again, 10% Hard, 70% Good, 10% Easy. It also counts the SQL statements and transactions
the loop sends per answered card, and checks the replay invariant afterwards: every answered
card's stored state must equal the replay of its log (as ``srs check`` compares them).
Prints one JSON line. Exits 3 (saying why) when
the session engine does not exist yet.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta


def replay_check(collection: object, session: object) -> tuple[int, int]:
    """(cards checked, cards whose stored state differs from the replay of their log)."""
    from srs.domain.scheduling import replay
    from srs.store.models import Card
    from srs.store.reviews import card_events, card_memory

    card_ids = sorted({card_id for card_id, _rating in session.ratings})  # type: ignore[attr-defined]
    mismatches = 0
    with collection.read() as db:  # type: ignore[attr-defined]
        for card_id in card_ids:
            card = db.get(Card, card_id)
            settings = session.scope.rules_for(card.deck_id).settings  # type: ignore[attr-defined]
            if replay(card_events(db, card_id), settings, seed=card_id) != card_memory(card):
                mismatches += 1
    return len(card_ids), mismatches


def main(argv: list[str]) -> int:
    db, now_text, count = argv[0], argv[1], int(argv[2])
    try:
        from srs.app.review import Action, Key, ReviewSession, SessionOptions
        from srs.domain.scheduling import Rating
        from srs.store.collection import Collection
    except ImportError as error:
        print(f"the review session engine (srs.app.review) is not importable: {error}")
        return 3

    start_now = datetime.fromisoformat(now_text)
    rng = random.Random(7)
    answered_at: list[float] = []
    answered_cpu: list[float] = []  # process CPU time at each answer: the load-independent cost
    shown_at: list[float] = []

    class Keys:
        interactive = False

        def read(self) -> Key | None:
            if len(answered_at) >= count + 1:
                return None
            rating = Rating(rng.choices((1, 2, 3, 4), weights=(10, 10, 70, 10))[0])
            return Key(Action.ANSWER, rating)

    class Screen:
        def show_card(self, card: object) -> None:
            shown_at.append(time.perf_counter())

        def show_answer(self, card: object) -> None:
            pass

        def answered(self, outcome: object, *, lapses: int) -> None:
            answered_at.append(time.perf_counter())
            answered_cpu.append(time.process_time())

        def previewed(self, card_id: int, rating: object) -> None:
            pass

        def changed(self, change: object) -> None:
            pass

        def undone(self, what: str, card_id: int) -> None:
            pass

        def notice(self, text: str) -> None:
            pass

        def show_help(self) -> None:
            pass

        def show_summary(self, summary: object) -> None:
            pass

    def clock() -> datetime:
        return start_now + timedelta(seconds=8 * len(answered_at))

    from sqlalchemy import event

    counted = {"statements": 0, "transactions": 0}

    def on_statement(*_args: object) -> None:
        if shown_at:  # from the first card shown on: the queue build is not per-card work
            counted["statements"] += 1

    def on_begin(*_args: object) -> None:
        if shown_at:
            counted["transactions"] += 1

    started = time.perf_counter()
    collection = Collection.open(db, now=start_now)
    try:
        event.listen(collection.engine, "before_cursor_execute", on_statement)
        event.listen(collection.engine, "begin", on_begin)
        session = ReviewSession(collection, SessionOptions(new_limit=20, review_limit=count), clock=clock)
        session.run(Keys(), Screen())  # type: ignore[arg-type]
        event.remove(collection.engine, "before_cursor_execute", on_statement)
        event.remove(collection.engine, "begin", on_begin)
        checked, mismatches = replay_check(collection, session)
    finally:
        collection.close()
    if len(answered_at) < 2:
        print(json.dumps({"how": "srs.app.review.ReviewSession", "times_ms": [], "setup_ms": 0, "phase_median_ms": {}}))
        return 0
    times = [(b - a) * 1000 for a, b in zip(answered_at, answered_at[1:])]
    cpu = [(b - a) * 1000 for a, b in zip(answered_cpu, answered_cpu[1:])]
    # show -> answered: take the answer, schedule, commit; answered -> next show: choose, read, intervals
    commit = [(answered_at[i] - shown_at[i]) * 1000 for i in range(1, min(len(answered_at), len(shown_at)))]
    choose = [(shown_at[i] - answered_at[i - 1]) * 1000 for i in range(1, min(len(answered_at), len(shown_at)))]
    print(json.dumps({
        "how": "srs.app.review.ReviewSession (the loop of srs review) with a null screen",
        "times_ms": times,
        "cpu_ms": cpu,
        "setup_ms": (shown_at[0] - started) * 1000,
        "statements_per_card": round(counted["statements"] / len(answered_at), 2),
        "transactions_per_card": round(counted["transactions"] / len(answered_at), 2),
        "replay_checked": checked,
        "replay_mismatches": mismatches,
        "first_card_ms": (answered_at[0] - shown_at[0]) * 1000,
        "phase_median_ms": {
            "choose+read+intervals": statistics.median(choose) if choose else None,
            "answer+commit": statistics.median(commit) if commit else None,
        },
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
