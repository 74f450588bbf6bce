"""Two writers on one collection at once: nobody fails with "database is locked", no
acknowledged answer is lost, and every card's state is still the replay of its log.

Store level (worker processes and threads writing through ``Collection.transact``) and CLI
level (two ``srs review`` sessions, a review during an ``srs import``). Runs on SQLite and,
in the PostgreSQL run, on the server (where writers take turns under the advisory lock).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

from factories import add_card
from sqlalchemy import func, select

from srs.app.check import check_collection
from srs.domain.scheduling import SchedulerSettings, answer
from srs.store.collection import Collection
from srs.store.models import Card, Review
from srs.store.presets import get_preset, preset_for_deck
from srs.store.reviews import card_memory, record_answer
from srs.timeutil import to_micros

ROOT = Path(__file__).resolve().parents[1]
WORKERS = Path(__file__).with_name("workers.py")
TIMEOUT = 240


def _env(db_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "SRS_DB": db_url, "PYTHONPATH": str(ROOT), **extra}


def _start(args: list[str], db_url: str, **kwargs) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    return subprocess.Popen(args, cwd=ROOT, env=_env(db_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _finish(process: subprocess.Popen[str], stdin: str | None = None) -> tuple[str, str]:
    out, err = process.communicate(stdin, timeout=TIMEOUT)
    assert "locked" not in err.lower() and "Traceback" not in err, err
    assert process.returncode == 0, (process.returncode, out[-2000:], err[-2000:])
    return out, err


def _new_cards(collection: Collection, now: datetime, decks: dict[str, int]) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {}
    with collection.write() as session:
        preset = get_preset(session)
        preset.new_per_day = 1000
        preset.enable_fuzz = False
        preset.timezone = "UTC"
        for deck, count in decks.items():
            ids[deck] = [add_card(session, now=now, deck=deck, front=f"{deck} question {n}").id for n in range(count)]
    return ids


def _logged(collection: Collection) -> set[tuple[int, int, int]]:
    with collection.read() as session:
        return {(r.card_id, to_micros(r.reviewed_at), r.id) for r in session.execute(select(Review.card_id, Review.reviewed_at, Review.id))}


def _clean(collection: Collection, now: datetime) -> None:
    report = check_collection(collection, now=now, file_exists=lambda _path: True)
    assert report.findings == [], report.lines()


def test_answer_writers_and_a_bulk_writer_at_once(collection: Collection, db_url: str, now: datetime, tmp_path: Path) -> None:
    ids = _new_cards(collection, now, {"A": 10, "B": 10})
    start = tmp_path / "go"
    first = str(to_micros(now))
    workers = [
        _start([sys.executable, str(WORKERS), "answer", db_url, str(start), ",".join(map(str, ids["A"])), first, "120"], db_url),
        _start([sys.executable, str(WORKERS), "answer", db_url, str(start), ",".join(map(str, ids["B"])), first, "120"], db_url),
        _start([sys.executable, str(WORKERS), "bulk", db_url, str(start), "8", "300", "Bulk"], db_url),
    ]
    start.touch()
    outputs = [_finish(worker)[0] for worker in workers]

    acked = {(int(c), int(t), int(r)) for out in outputs[:2] for _, c, t, r in (line.split() for line in out.splitlines())}
    assert len(acked) == 240
    assert acked <= _logged(collection)
    assert outputs[2].count("ack batch") == 8
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == 20 + 8 * 300
        assert session.scalar(select(func.count()).select_from(Review)) == 240 + 8 * 300 * 3
    _clean(collection, now)


def test_threads_with_their_own_collections(db_url: str, now: datetime, collection: Collection) -> None:
    ids = _new_cards(collection, now, {"A": 6, "B": 6, "C": 6})
    errors: list[BaseException] = []
    acked: list[tuple[int, int]] = []

    def run(card_ids: list[int]) -> None:
        try:
            with Collection.open(db_url, now=now) as own:
                for number in range(60):
                    card_id = card_ids[number % len(card_ids)]
                    when = now + timedelta(minutes=number)

                    def record(session, card_id=card_id, when=when):  # type: ignore[no-untyped-def]
                        card = session.get(Card, card_id)
                        settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
                        return record_answer(session, card, answer(card_memory(card), 3, when, settings, seed=card_id)).id

                    acked.append((card_id, own.transact(record)))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(ids[deck],)) for deck in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert errors == []
    assert len(acked) == 180
    assert {(c, r) for c, _t, r in _logged(collection)} == set(acked)
    _clean(collection, now)


def _answered(out: str) -> list[tuple[int, int]]:
    """(card id, review id) of each ``answered`` line of a non-terminal review."""
    result = []
    for line in out.splitlines():
        if line.startswith("answered "):
            card_id = int(line.split()[1])
            review_id = int(line.rsplit("(review ", 1)[1].rstrip(")"))
            result.append((card_id, review_id))
    return result


def _review(db_url: str, *args: str, now: datetime) -> subprocess.Popen[str]:
    env = _env(db_url, SRS_NOW=now.isoformat())
    return subprocess.Popen([sys.executable, "-m", "srs", "review", *args], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_reviews_of_different_decks_at_once(collection: Collection, db_url: str, now: datetime) -> None:
    ids = _new_cards(collection, now, {"A": 30, "B": 30})
    sessions = [_review(db_url, "--deck", deck, now=now) for deck in ("A", "B")]
    outputs = [_finish(session, "4\n" * 30)[0] for session in sessions]
    for deck, out in zip(("A", "B"), outputs):
        answered = _answered(out)
        assert sorted(c for c, _ in answered) == sorted(ids[deck]), out[-1500:]
    acked = {pair for out in outputs for pair in _answered(out)}
    assert {(c, r) for c, _t, r in _logged(collection)} == acked
    _clean(collection, now)


def _drive_together(sessions: list[subprocess.Popen[str]], answers: int, pause: float = 0.01) -> list[str]:
    """Wait until every session shows its first card, then answer Easy in all of them at
    the same pace (so their transactions really interleave); returns their outputs."""
    import time

    ready = threading.Barrier(len(sessions))
    outputs: list[str] = [""] * len(sessions)

    def drive(index: int, session: subprocess.Popen[str]) -> None:
        assert session.stdin is not None and session.stdout is not None
        first = session.stdout.readline()
        ready.wait(timeout=60)
        try:
            for _ in range(answers):
                session.stdin.write("4\n")
                session.stdin.flush()
                time.sleep(pause)
        except BrokenPipeError:
            pass  # the session ran out of cards and ended
        session.stdin.close()
        outputs[index] = first + session.stdout.read()

    threads = [threading.Thread(target=drive, args=(i, s)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    for session in sessions:
        assert session.wait(TIMEOUT) == 0, session.stderr.read() if session.stderr else ""
        err = session.stderr.read() if session.stderr else ""
        assert "locked" not in err.lower() and "Traceback" not in err, err
    return outputs


def test_two_reviews_of_the_same_deck_at_once(collection: Collection, db_url: str, now: datetime) -> None:
    """Both sessions queue the same cards: whichever answers a card first wins, the other is
    told the card changed; every acknowledged answer is logged once and states replay."""
    _new_cards(collection, now, {"Shared": 40})
    outputs = _drive_together([_review(db_url, "--deck", "Shared", now=now) for _ in range(2)], 40)
    acked = [pair for out in outputs for pair in _answered(out)]
    logged = {(c, r) for c, _t, r in _logged(collection)}
    assert set(acked) == logged and len(acked) == len(logged)
    assert len({c for c, _ in acked}) == len(acked) == 40  # each card answered once, by one session or the other
    assert "answered elsewhere" in "".join(outputs)  # the sessions really met
    _clean(collection, now)


def test_a_review_during_a_large_import(collection: Collection, db_url: str, now: datetime, tmp_path: Path) -> None:
    ids = _new_cards(collection, now, {"Existing": 40})
    notes = tmp_path / "notes"
    notes.mkdir()
    for number in range(120):
        lines = [f"# Note {number}", ""] + [f"Question {number}.{k}?::Answer {k}" for k in range(10)]
        (notes / f"note{number:03}.md").write_text("\n".join(lines) + "\n")
    env = _env(db_url, SRS_NOW=now.isoformat())
    importer = subprocess.Popen([sys.executable, "-m", "srs", "import", str(notes), "--deck", "Imported"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    review = _review(db_url, "--deck", "Existing", now=now)
    review_out, _ = _finish(review, "4\n" * 40)
    import_out, _ = _finish(importer)
    assert sorted(c for c, _ in _answered(review_out)) == sorted(ids["Existing"])
    assert set(_answered(review_out)) == {(c, r) for c, _t, r in _logged(collection)}
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == 40 + 1200, import_out
    _clean(collection, now)


def test_a_long_write_makes_others_wait_not_fail(collection: Collection, db_url: str, now: datetime) -> None:
    """A writer holding the lock for a while (here 1.5 s) delays another; it does not fail
    (SQLite: busy timeout; PostgreSQL: the writer lock is waited for)."""
    import time

    ids = _new_cards(collection, now, {"A": 1})
    holder = Collection.open(db_url, now=now)
    released = threading.Event()

    def hold() -> None:
        with holder.write() as session:
            session.get(Card, ids["A"][0]).tags = " held "
            time.sleep(1.5)
        released.set()

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.2)
    started = time.monotonic()
    with Collection.open(db_url, now=now) as other:
        other.transact(lambda session: setattr(session.get(Card, ids["A"][0]), "suspended", True))
    waited = time.monotonic() - started
    thread.join()
    holder.close()
    assert released.is_set() and waited >= 1.0
    with collection.read() as session:
        card = session.get(Card, ids["A"][0])
        assert card.tags == " held " and card.suspended is True
