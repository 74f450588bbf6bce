"""The phone loop with Anki's own backend as the oracle: ``srs export --apkg`` (scheduling
included) -> Anki imports it with the same due days, intervals and FSRS memory states ->
cards answered with Anki's v3 scheduler at fixed times -> Anki exports a ``.colpkg`` and an
``.apkg`` -> ``srs import-anki`` merges the answers onto the Markdown cards: no new card,
every answer once in the right card's log, states equal the replay, twice changes nothing."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import NOW
from factories import add_reviews
from reviewing import assert_replays, set_preset
from srs.anki_scheduling import srs_card_id
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
        assert anki.db.scalar("select count() from revlog") == reviews
        day_zero = anki_day_zero(anki)
        compared = 0
        for srs_id, anki_card in found.items():
            card = cards[srs_id]
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


def test_dbg(srs, collection, tmp_path):
    build_history(srs, collection, tmp_path)
    from srs.store.anki import export_cards
    with collection.read() as session:
        print(session.execute(select(Card.id, Card.retired_at, Card.deck_id)).all())
        print(len(export_cards(session, None)))
    r = srs("export", "--apkg", str(tmp_path / "x.apkg"), now=EXPORT_AT)
    print(r.output)
    assert 0
