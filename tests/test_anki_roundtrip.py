"""The phone loop with Anki's own backend as the oracle: ``srs export --apkg`` (scheduling
included) -> Anki imports it with the same due days, intervals and FSRS memory states ->
cards answered with Anki's v3 scheduler at fixed times -> Anki exports a ``.colpkg`` and an
``.apkg`` -> ``srs import-anki`` merges the answers onto the Markdown cards: no new card,
every answer once in the right card's log, states equal the replay, twice changes nothing."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from factories import add_reviews
from reviewing import assert_replays, set_preset, snapshot
from sqlalchemy import func, select

from srs.store.models import Card, Review
from srs.timeutil import study_day

NOTES = """\
# Memory hierarchy

## Registers
The fastest storage, inside the core.

## Caches
L1, L2 and L3 sit between the core and DRAM.

Which GPU memory is on chip?::Shared memory (SRAM)
KV cache:::keys and values of past tokens
What does HBM stand for?::High-bandwidth memory
What is a warp?::32 threads that execute together

Decoding is ==memory-bound== because each step reads ==all the weights==.

A KV block holds {{c1::16}} tokens, found through a {{c2::block table}}.
"""

EXPORT_AT = NOW + timedelta(days=20)
PHONE_AT = EXPORT_AT + timedelta(days=1, hours=2)  # the first answer on the phone
DAY = timedelta(days=1)


def anki_collection(folder: Path) -> Any:
    from anki.collection import Collection as AnkiCollection

    folder.mkdir(parents=True, exist_ok=True)
    anki = AnkiCollection(str(folder / "collection.anki2"))
    anki.set_config("fsrs", True)  # as the user turns FSRS on in Anki's deck options
    # Anki builds its queue at the real time, and leaves out a learning step that ends after
    # the day's rollover: near the rollover fewer cards were on offer (the loop test failed
    # from 03:50 to 04:00 every day). Anki's study day starts half a day from now.
    anki.set_config("rollover", (datetime.now().astimezone().hour + 12) % 24)
    return anki


def anki_import(anki: Any, package: Path) -> Any:
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    return anki.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True))).log


def build_history(srs, collection, tmp_path: Path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Markdown notes imported, then three weeks of reviews in srs; returns card ids by role."""
    set_preset(collection, enable_fuzz=True, timezone="UTC")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "memory.md").write_text(NOTES, encoding="utf-8")
    result = srs("import", str(notes), now=NOW)
    assert result.exit_code == 0, result.output
    with collection.write() as session:
        cards = session.scalars(select(Card).order_by(Card.id)).all()
        assert len(cards) == 10, [c.front for c in cards]
        roles: dict[str, int] = {}
        for index, card in enumerate(cards):
            start = NOW + timedelta(hours=index)
            if index % 4 == 3:
                continue  # stays new
            events = [(3, start), (3, start + timedelta(minutes=10))]
            if index % 4 == 1:
                events += [(1, start + 2 * DAY), (3, start + 2 * DAY + timedelta(minutes=10)), (3, start + 6 * DAY)]
            elif index % 4 == 2:
                events += [(4, start + 3 * DAY), (2, start + 15 * DAY)]
            add_reviews(session, card, events)
        # One card in relearning at the export (a lapse the day before), one in learning.
        add_reviews(session, cards[0], [(1, EXPORT_AT - timedelta(hours=3))])
        add_reviews(session, cards[3], [(1, EXPORT_AT - timedelta(hours=1))])
        roles["relearning"], roles["learning"] = cards[0].id, cards[3].id
        cards[5].suspended = True
        cards[6].buried_until = EXPORT_AT + timedelta(hours=10)
        roles["suspended"], roles["buried"] = cards[5].id, cards[6].id
    return roles


def anki_cards(anki: Any) -> dict[int, Any]:
    """srs card id -> Anki card, through the custom data the export wrote."""
    found = {}
    for cid in anki.find_cards(""):
        card = anki.get_card(cid)
        srs_id = json.loads(card.custom_data or "{}").get("srs")
        assert srs_id, card.custom_data
        found[srs_id] = card
    return found


def anki_day_zero(anki: Any) -> Any:
    """The date of Anki's day number 0 (its collection's creation day)."""
    today = datetime.now(timezone.utc)
    return study_day(today, "UTC", 4) - timedelta(days=anki.sched.today)


def test_export_with_scheduling_opens_in_anki_with_srs_state(srs, collection, tmp_path: Path) -> None:
    roles = build_history(srs, collection, tmp_path)
    out = tmp_path / "phone.apkg"
    result = srs("export", "--apkg", str(out), now=EXPORT_AT)
    assert result.exit_code == 0, result.output
    with collection.read() as session:
        reviews = session.scalar(select(func.count()).select_from(Review))
        cards = {c.id: c for c in session.scalars(select(Card))}
    assert f"{reviews} reviews of history" in result.output

    anki = anki_collection(tmp_path / "anki")
    try:
        anki_import(anki, out)
        found = anki_cards(anki)
        assert set(found) == set(cards)
        with collection.read() as session:
            ratings = sorted((card_id, int(at.timestamp() * 1000), rating) for card_id, at, rating in session.execute(select(Review.card_id, Review.reviewed_at, Review.rating)))
        srs_of = {card.id: srs_id for srs_id, card in found.items()}
        assert sorted((srs_of[cid], rid, ease) for rid, cid, ease in anki.db.all("select id, cid, ease from revlog")) == ratings
        day_zero = anki_day_zero(anki)
        compared = 0
        for srs_id, anki_card in found.items():
            card = cards[srs_id]
            # The right card of each note: a Q:::A pair's directions, each cloze deletion.
            question = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<style>.*?</style>", "", anki_card.question(), flags=re.S)))
            assert " ".join(question.split()) == " ".join(card.front.split()), (question, card.front)
            assert anki_card.reps == card.reps and anki_card.lapses == card.lapses
            if card.state == 0:
                assert anki_card.type == 0
                continue
            assert anki_card.memory_state is not None
            assert abs(anki_card.memory_state.stability - card.stability) < 1e-3
            assert abs(anki_card.memory_state.difficulty - card.difficulty) < 1e-3
            assert anki_card.type == {1: 1, 2: 2, 3: 3}[card.state]
            if card.state == 2:
                assert day_zero + timedelta(days=anki_card.due) == study_day(card.due, "UTC", 4)
                assert anki_card.ivl == (study_day(card.due, "UTC", 4) - study_day(card.last_review, "UTC", 4)).days
                compared += 1
            else:
                assert anki_card.due == int(card.due.timestamp())  # a learning step, to the second
        assert compared >= 4
        assert found[roles["suspended"]].queue == -1
        assert found[roles["buried"]].queue == -3
        config = anki.decks.config_dict_for_deck_id(found[roles["relearning"]].did)
        assert config["name"] == "srs Default" and config["desiredRetention"] == pytest.approx(0.9)
        assert len(config["fsrsParams6"]) == 21
    finally:
        anki.close()



def answer_in_anki(anki: Any, count: int, start: datetime) -> list[int]:
    """Answer ``count`` cards with Anki's v3 queue (the top card each time), at fixed times a
    few minutes apart, with a rotation of ratings; returns the Anki card ids answered."""
    from anki.cards import Card as AnkiCard
    from anki.scheduler_pb2 import CardAnswer

    ratings = [CardAnswer.GOOD, CardAnswer.AGAIN, CardAnswer.GOOD, CardAnswer.EASY, CardAnswer.HARD]
    answered = []
    for index in range(count):
        queued = anki.sched.get_queued_cards(fetch_limit=1)
        if not queued.cards:
            break
        top = queued.cards[0]
        card = AnkiCard(anki, backend_card=top.card)
        card.start_timer()
        answer = anki.sched.build_answer(card=card, states=top.states, rating=ratings[index % len(ratings)])
        answer.answered_at_millis = int((start + timedelta(minutes=7 * index)).timestamp() * 1000)
        answer.milliseconds_taken = 4_000 + index
        anki.sched.answer_card(answer)
        answered.append(card.id)
    return answered


def srs_log_times(collection) -> dict[int, list[int]]:  # type: ignore[no-untyped-def]
    """srs card id -> the epoch milliseconds of its log, in order."""
    with collection.read() as session:
        rows = session.execute(select(Review.card_id, Review.reviewed_at).order_by(Review.card_id, Review.reviewed_at)).all()
    times: dict[int, list[int]] = {}
    for card_id, at in rows:
        times.setdefault(card_id, []).append(int(at.timestamp() * 1000))
    return times


def test_phone_loop_merges_anki_answers_onto_the_markdown_cards(srs, collection, tmp_path: Path) -> None:
    build_history(srs, collection, tmp_path)
    phone = tmp_path / "phone.apkg"
    assert srs("export", "--apkg", str(phone), now=EXPORT_AT).exit_code == 0
    with collection.read() as session:
        cards_before = session.scalar(select(func.count()).select_from(Card))
        exported_reviews = session.scalar(select(func.count()).select_from(Review))

    anki = anki_collection(tmp_path / "anki")
    try:
        anki_import(anki, phone)
        by_srs = anki_cards(anki)
        srs_of = {card.id: srs_id for srs_id, card in by_srs.items()}
        anki.decks.select(anki.decks.id_for_name("notes"))
        answered = answer_in_anki(anki, 10, PHONE_AT)
        assert len(answered) == 10
        retired, both = srs_of[answered[0]], srs_of[answered[1]]
        # Text edited on the phone: reported, never written back.
        edited_note = anki.get_card(answered[2]).note()
        first_field = edited_note.keys()[0]
        edited_note[first_field] = edited_note[first_field] + " (edited on the phone)"
        anki.update_note(edited_note)
        apkg = tmp_path / "from-phone.apkg"
        from anki.import_export_pb2 import ExportAnkiPackageOptions

        anki.export_anki_package(out_path=str(apkg), options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False), limit=None)
        revlog = anki.db.all("select id, cid, ease from revlog where id >= ?", int(PHONE_AT.timestamp() * 1000))
        colpkg = tmp_path / "phone.colpkg"
        anki.export_collection_package(str(colpkg), include_media=True, legacy=False)
    finally:
        anki.close()
    assert len(revlog) == 10

    # Meanwhile at the desk: a card retired (its note removed), another answered in srs.
    with collection.write() as session:
        session.get(Card, retired).retired_at = EXPORT_AT + DAY
        add_reviews(session, session.get(Card, both), [(3, PHONE_AT - timedelta(hours=1))])
    with collection.read() as session:
        edited_card = session.get(Card, srs_of[answered[2]])
        edited_where = f"{edited_card.source_path}:{edited_card.source_line}"
        edited_text = edited_card.front

    result = srs("import-anki", str(apkg), now=PHONE_AT + DAY)
    assert result.exit_code == 0, result.output
    merged_cards = len({cid for _, cid, _ in revlog})
    assert f"Reviews from Anki: 10 added to the log of {merged_cards} cards (1 retired in srs)" in result.output
    assert f"{exported_reviews} already known" in result.output
    assert "edited in Anki since the export" in result.output and edited_where in result.output
    assert result.output.count(":") and result.output.count(str(tmp_path / "notes")) == 1  # only the edited note
    with collection.read() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == cards_before
        assert session.get(Card, srs_of[answered[2]]).front == edited_text
        assert session.get(Card, retired).retired_at is not None
        total_reviews = session.scalar(select(func.count()).select_from(Review))
    assert total_reviews == exported_reviews + 1 + 10
    times = srs_log_times(collection)
    for revlog_id, cid, _ease in revlog:
        assert times[srs_of[cid]].count(revlog_id) == 1
    assert int((PHONE_AT - timedelta(hours=1)).timestamp() * 1000) in times[both]  # srs's own answer kept
    assert assert_replays(collection) == cards_before
    stats = srs("stats", "--json", now=PHONE_AT + DAY)
    assert json.loads(stats.output)["reviews"]["total"] == exported_reviews + 1 + 10  # the phone's reviews counted

    before = snapshot(collection)
    again = srs("import-anki", str(apkg), now=PHONE_AT + 2 * DAY)
    assert again.exit_code == 0, again.output
    assert "Reviews from Anki: 0 added" in again.output
    colpkg_result = srs("import-anki", str(colpkg), now=PHONE_AT + 2 * DAY)
    assert colpkg_result.exit_code == 0, colpkg_result.output
    assert "Reviews from Anki: 0 added" in colpkg_result.output
    assert snapshot(collection) == before
    print(f"\nloop figures: cards {cards_before}, reviews exported {exported_reviews}, merged back 10 onto {merged_cards} cards, duplicates 0")


def _rewrite_package(source: Path, target: Path, sql: str) -> None:
    """A copy of an srs package with ``sql`` run on its collection (an older or foreign export)."""
    with zipfile.ZipFile(source) as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
    database = target.with_suffix(".anki2")
    database.write_bytes(contents["collection.anki2"])
    connection = sqlite3.connect(database)
    connection.execute(sql)
    connection.commit()
    connection.close()
    contents["collection.anki2"] = database.read_bytes()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def test_reimporting_srs_own_package_never_duplicates(srs, collection, tmp_path: Path, now: datetime) -> None:
    """1,200 cards exported and imported back stay 1,200 (they became 2,400 before); so does a
    package written before srs put its card ids in Anki's custom data (matched by GUID and
    source line); a package of another collection whose card ids are the same numbers is not
    taken for this one's cards."""
    from factories import add_card

    with collection.write() as session:
        for number in range(1_200):
            card = add_card(session, now=now, deck="Bulk", front=f"bulk question {number}", back=f"answer {number}")
            card.source_path, card.source_line = "/notes/bulk.md", number + 1
        add_reviews(session, card, [(3, now), (3, now + timedelta(minutes=10))])
    package = tmp_path / "bulk.apkg"
    assert srs("export", "--apkg", str(package)).exit_code == 0
    before = snapshot(collection)
    for _attempt in range(2):
        result = srs("import-anki", str(package))
        assert result.exit_code == 0, result.output
        assert "1,200 cards exported by srs, matched by card (no card created)" in result.output
        assert "Reviews from Anki: 0 added to the log of 0 cards, 2 already known." in result.output
        assert snapshot(collection) == before

    older = tmp_path / "older.apkg"
    _rewrite_package(package, older, "UPDATE cards SET data = '{}'")
    damaged = tmp_path / "damaged.apkg"  # custom data naming no possible card
    _rewrite_package(package, damaged, """UPDATE cards SET data = '{"cd":"{\\"srs\\":99999999999999}"}'""")
    for variant in (older, damaged):
        result = srs("import-anki", str(variant))
        assert result.exit_code == 0, result.output
        assert "1,200 cards exported by srs" in result.output and snapshot(collection) == before

    # Another collection with cards of the same ids (other creation instants, other files):
    # neither the package nor an older one without custom data is taken for its cards.
    foreign = tmp_path / "foreign.apkg"
    _rewrite_package(package, foreign, "UPDATE cards SET data = '{}'")
    other = tmp_path / "other"
    other.mkdir()
    from srs.store.collection import Collection

    second = Collection.open(str(other / "other.db"), now=now)
    try:
        with second.write() as session:
            for number in range(1_200):
                mine = add_card(session, now=now + timedelta(seconds=1), deck="Bulk", front=f"bulk question {number}", back=f"answer {number}")
                mine.source_path, mine.source_line = "/mine/bulk.md", number + 1
    finally:
        second.close()
    for foreign_package, counts in ((package, "Cards: 1200 new"), (foreign, "Cards: 0 new, 0 updated, 1200 unchanged")):
        result = srs("import-anki", str(foreign_package), env={"SRS_DB": str(other / "other.db")})
        assert result.exit_code == 0, result.output
        assert counts in result.output and "exported by srs" not in result.output

def test_without_scheduling_anki_sees_new_cards(srs, collection, tmp_path: Path) -> None:
    build_history(srs, collection, tmp_path)
    out = tmp_path / "share.apkg"
    result = srs("export", "--apkg", str(out), "--without-scheduling", now=EXPORT_AT)
    assert result.exit_code == 0, result.output
    assert "Without scheduling: Anki shows every card as new." in result.output
    anki = anki_collection(tmp_path / "anki")
    try:
        anki_import(anki, out)
        assert anki.db.scalar("select count() from revlog") == 0
        assert {card.type for card in anki_cards(anki).values()} == {0}
    finally:
        anki.close()


def test_cards_that_came_from_anki_take_anki_text_and_merge_answers(srs, collection, tmp_path: Path) -> None:
    """A note first imported from Anki has no Markdown: after srs -> phone -> srs its text
    edited on the phone is imported, and its answers are merged like any srs card's."""
    from anki.import_export_pb2 import ExportAnkiPackageOptions

    origin = anki_collection(tmp_path / "origin")
    try:
        note = origin.new_note(origin.models.by_name("Basic"))
        note["Front"], note["Back"] = "la maison", "the house"
        origin.add_note(note, 1)
        first = tmp_path / "french.apkg"
        origin.export_anki_package(out_path=str(first), options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False), limit=None)
    finally:
        origin.close()
    assert srs("import-anki", str(first), now=NOW).exit_code == 0
    with collection.write() as session:
        (card,) = session.scalars(select(Card)).all()
        add_reviews(session, card, [(3, NOW), (3, NOW + timedelta(minutes=10))])
        card_id = card.id
    phone = tmp_path / "phone.apkg"
    assert srs("export", "--apkg", str(phone), now=EXPORT_AT).exit_code == 0

    anki = anki_collection(tmp_path / "anki")
    try:
        anki_import(anki, phone)
        anki.decks.select(1)
        answered = answer_in_anki(anki, 1, PHONE_AT)
        edited = anki.get_card(answered[0]).note()
        edited["Front"] = "la grande maison"
        anki.update_note(edited)
        back = tmp_path / "back.apkg"
        anki.export_anki_package(out_path=str(back), options=ExportAnkiPackageOptions(with_scheduling=True, with_media=False, legacy=False), limit=None)
    finally:
        anki.close()
    result = srs("import-anki", str(back), now=PHONE_AT + DAY)
    assert result.exit_code == 0, result.output
    assert "Reviews from Anki: 1 added to the log of 1 card, 2 already known." in result.output
    assert "Not written back" not in result.output
    with collection.read() as session:
        (card,) = session.scalars(select(Card)).all()
        assert (card.id, card.front, card.reps) == (card_id, "la grande maison", 3)
    assert assert_replays(collection) == 1
