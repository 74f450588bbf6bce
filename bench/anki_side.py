"""Anki's own backend on the same collection, for the side-by-side columns of ``make bench``.

``python -m bench.anki_side build SRS_DB ANKI_DB`` copies a benchmark collection into a new
Anki collection (through the ``anki`` package: Anki 2.1.50+'s Rust backend): the same decks,
one Basic note per card, every card with its FSRS memory state (FSRS switched on, as srs
schedules), every review-log row. Anki reads the wall clock (srs's ``SRS_NOW`` means nothing
to it), so every timestamp is moved forward by whole days to end today, which leaves the same
cards due. Review limits are raised so that a session can answer as many cards as srs's.

The measured operations, each the Anki equivalent of an ``srs`` command:

* ``status ANKI_DB``: ``import anki`` + open the collection + the deck tree with due counts
  (Anki's deck list; ``srs status``), run as a whole process like ``srs status``.
* ``review ANKI_DB N``: per card, ``get_queued_cards`` (next card and its four states) +
  ``answer_card`` (its own committed transaction); prints per-card milliseconds as JSON.
* ``graphs ANKI_DB DAYS``: the statistics screen's data over DAYS days (0: whole history).

Exits 3 saying why when the ``anki`` package is not installed.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time

DAY_S = 86_400
UNAVAILABLE_EXIT = 3


def _micros_to_s(value: int | None) -> int:
    return 0 if value is None else int(value) // 1_000_000


def build(srs_db: str, anki_db: str) -> dict[str, int]:
    """A new Anki collection at ``anki_db`` holding the cards and log of ``srs_db``."""
    from anki.collection import Collection

    source = sqlite3.connect(f"file:{srs_db}?mode=ro", uri=True)
    newest = source.execute("SELECT max(reviewed_at) FROM reviews").fetchone()[0] or int(time.time() * 1e6)
    shift = (int(time.time()) // DAY_S - _micros_to_s(newest) // DAY_S) * DAY_S  # whole days: same due days

    col = Collection(anki_db)
    col.set_config("fsrs", True)
    config = col.decks.get_config(1)
    assert config is not None
    config["new"]["perDay"] = 20
    config["rev"]["perDay"] = 100_000
    col.decks.update_config(config)
    deck_ids = {row[0]: int(col.decks.id(row[1])) for row in source.execute("SELECT id, name FROM decks")}
    top = min(deck_ids.values(), key=lambda did: len(col.decks.name(did)))  # "Bench", parent of the decks
    col.decks.select(col.decks.id(col.decks.name(top).split("::")[0]))  # review every deck, as srs review does
    model = col.models.by_name("Basic")
    assert model is not None
    mid = int(model["id"])
    crt = col.crt
    col.close(downgrade=False)

    def day(at_s: int) -> int:
        return (at_s - crt) // DAY_S

    target = sqlite3.connect(anki_db)
    notes, cards = [], []
    now_s = int(time.time())
    query = ("SELECT id, deck_id, state, stability, difficulty, due, last_review, reps, lapses, front, back "
             "FROM cards WHERE retired_at IS NULL ORDER BY id")
    for position, (cid, deck_id, state, stability, difficulty, due, last, reps, lapses, front, back) in enumerate(source.execute(query)):
        nid = cid
        notes.append((nid, f"g{cid}", mid, now_s, -1, "", f"{front}\x1f{back}", front, 0, 0, ""))
        due_s = _micros_to_s(due) + shift
        last_s = _micros_to_s(last) + shift if last else 0
        data = json.dumps({"s": stability, "d": difficulty, "dr": 0.9, "lrt": last_s}) if stability else ""
        if state == 0:
            ctype, cqueue, cdue, ivl = 0, 0, position, 0
        elif state == 2:
            ctype, cqueue, cdue = 2, 2, day(due_s)
            ivl = max(1, (due_s - last_s) // DAY_S)
        else:  # learning (1) or relearning (3): intraday, due in seconds
            ctype, cqueue, cdue, ivl = state, 1, due_s, 0 if state == 1 else 1
        cards.append((cid, nid, deck_ids[deck_id], 0, now_s, -1, ctype, cqueue, cdue, ivl, 0, reps, lapses,
                      1 if cqueue == 1 else 0, 0, 0, 0, data))
    target.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", notes)
    target.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
    types = {0: 0, 1: 0, 2: 1, 3: 2}  # srs state before -> Anki revlog type (learn, review, relearn)
    seen: set[int] = set()
    rows = []
    for card_id, rating, at, duration, before, scheduled in source.execute(
        "SELECT card_id, rating, reviewed_at, duration_ms, state_before, scheduled_days FROM reviews ORDER BY reviewed_at, id"
    ):
        ms = at // 1000 + shift * 1000
        while ms in seen:  # revlog ids are unique milliseconds
            ms += 1
        seen.add(ms)
        rows.append((ms, card_id, -1, rating, int(round(scheduled or 0)), 0, 0, min(duration or 0, 60_000), types.get(before, 1)))
        if len(rows) >= 50_000:
            target.executemany("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", rows)
            rows.clear()
    target.executemany("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", rows)
    target.commit()
    target.close()
    col = Collection(anki_db)  # Anki's own ANALYZE (its tables use its "unicase" collation)
    col.db.execute("ANALYZE")
    col.close(downgrade=False)
    return {"cards": len(cards), "reviews": len(seen), "decks": len(deck_ids), "shift_days": shift // DAY_S}


def status(anki_db: str) -> None:
    from anki.collection import Collection

    col = Collection(anki_db)
    tree = col.sched.deck_due_tree()
    print(sum(child.review_count + child.learn_count + child.new_count for child in tree.children))
    col.close(downgrade=False)


def review(anki_db: str, count: int) -> None:
    from anki.cards import Card
    from anki.collection import Collection
    from anki.scheduler_pb2 import CardAnswer

    ratings = (CardAnswer.AGAIN, CardAnswer.HARD, CardAnswer.GOOD, CardAnswer.EASY)
    rng = random.Random(7)
    col = Collection(anki_db)
    times: list[float] = []
    cpu: list[float] = []
    try:
        for _ in range(count):
            start, start_cpu = time.perf_counter(), time.process_time()
            queued = col.sched.get_queued_cards(fetch_limit=1)
            if not queued.cards:
                break
            top = queued.cards[0]
            card = Card(col, backend_card=top.card)
            card.start_timer()
            rating = rng.choices(ratings, weights=(10, 10, 70, 10))[0]
            col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=rating))
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    finally:
        col.close(downgrade=False)
    print(json.dumps({"times_ms": times, "cpu_ms": cpu}))


def graphs(anki_db: str, days: int) -> None:
    from anki.collection import Collection

    col = Collection(anki_db)
    response = col._backend.graphs(search="", days=days)
    print(len(response.SerializeToString()))
    col.close(downgrade=False)


def optimize(anki_db: str) -> None:
    """Anki's Optimize button: FSRS parameters fitted to every review (fsrs-rs, as srs's), the
    current ones (FSRS-6's defaults, as srs's Default preset) scored against the fitted ones."""
    from anki.collection import Collection
    from fsrs_rs_python import DEFAULT_PARAMETERS

    col = Collection(anki_db)
    response = col._backend.compute_fsrs_params(
        search="", current_params=list(DEFAULT_PARAMETERS), ignore_revlogs_before_ms=0, num_of_relearning_steps=1, health_check=False
    )
    print(json.dumps({"params": len(response.params), "items": response.fsrs_items}))
    col.close(downgrade=False)


def main(argv: list[str]) -> int:
    try:
        import anki.collection  # noqa: F401
    except ImportError as error:
        print(f"the anki package is not installed ({error}): pip install anki")
        return UNAVAILABLE_EXIT
    command, args = argv[0], argv[1:]
    if command == "build":
        print(json.dumps(build(args[0], args[1])))
    elif command == "status":
        status(args[0])
    elif command == "review":
        review(args[0], int(args[1]))
    elif command == "graphs":
        graphs(args[0], int(args[1]))
    elif command == "optimize":
        optimize(args[0])
    else:
        print(f"unknown command {command}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
