"""What the phone loop tells the user: which notes ``srs import-anki`` reports as edited in
Anki (the Markdown is the source of text): only those whose text in Anki differs from what
srs exports for them, never a note that a newer ``srs export --apkg`` updated on the phone
(Anki keeps the package's note time when it updates a note, and keeps the cards, with their
first export's custom data); the figures of the merge; options that do not go together."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from factories import add_card, add_reviews
from sqlalchemy import select
from test_anki_roundtrip import DAY, EXPORT_AT, PHONE_AT, anki_cards, anki_collection, anki_import, answer_in_anki, build_history

from srs.store.models import Card


def export_from_anki(anki: Any, out: Path) -> None:
    from anki.import_export_pb2 import ExportAnkiPackageOptions

    anki.export_anki_package(out_path=str(out), options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False), limit=None)


def test_a_newer_export_imported_on_the_phone_is_not_an_edit(srs, collection, tmp_path: Path) -> None:
    """export -> phone, a week later export again -> phone (Anki updates the notes' text and
    time), answers, export from the phone: nothing is reported as edited; a note edited on
    the phone after that is (once, with its path:line)."""
    build_history(srs, collection, tmp_path)
    first, second = tmp_path / "week1.apkg", tmp_path / "week2.apkg"
    assert srs("export", "--apkg", str(first), now=EXPORT_AT).exit_code == 0
    assert srs("export", "--apkg", str(second), now=EXPORT_AT + 7 * DAY).exit_code == 0
    anki = anki_collection(tmp_path / "anki")
    try:
        anki_import(anki, first)
        log = anki_import(anki, second)
        assert len(log.updated) == 7  # every note's text and time rewritten by the newer package
        anki.decks.select(anki.decks.id_for_name("notes"))
        answered = answer_in_anki(anki, 3, PHONE_AT + 7 * DAY)
        back = tmp_path / "back.apkg"
        export_from_anki(anki, back)
        edited = anki.get_card(answered[0]).note()
        edited[edited.keys()[0]] += " (edited on the phone)"
        anki.update_note(edited)
        srs_id = {card.id: srs_id for srs_id, card in anki_cards(anki).items()}[answered[0]]
        after_edit = tmp_path / "edited.apkg"
        export_from_anki(anki, after_edit)
    finally:
        anki.close()

    result = srs("import-anki", str(back), now=PHONE_AT + 8 * DAY)
    assert result.exit_code == 0, result.output
    assert "Reviews from Anki: 3 added" in result.output
    assert "Not written back" not in result.output

    result = srs("import-anki", str(after_edit), now=PHONE_AT + 8 * DAY)
    assert result.exit_code == 0, result.output
    with collection.read() as session:
        card = session.scalars(select(Card).where(Card.id == srs_id)).one()
        where = f"{card.source_path}:{card.source_line}"
    assert "Not written back: 1 note edited in Anki" in result.output, result.output
    assert result.output.count(str(tmp_path / "notes")) == 1 and where in result.output


def test_merge_figures_are_written_like_every_count(srs, collection, tmp_path: Path, now: datetime) -> None:
    """Thousands separated as in every other count (1,205 cards, 12,580 reviews)."""
    with collection.write() as session:
        for number in range(1_001):
            card = add_card(session, now=now, deck="Bulk", front=f"question {number}")
            add_reviews(session, card, [(3, now + timedelta(seconds=number))])
    package = tmp_path / "bulk.apkg"
    assert srs("export", "--apkg", str(package), now=now + DAY).exit_code == 0
    result = srs("import-anki", str(package), now=now + DAY)
    assert result.exit_code == 0, result.output
    assert "Reviews from Anki: 0 added to the log of 0 cards, 1,001 already known." in result.output


def test_without_scheduling_goes_with_apkg(srs, collection, tmp_path: Path) -> None:
    """As --deck: a JSON export is always complete, so the option is refused, not ignored."""
    result = srs("export", "--json", str(tmp_path / "all.json"), "--without-scheduling")
    assert result.exit_code == 2
    assert "--without-scheduling goes with --apkg" in result.output
    assert not (tmp_path / "all.json").exists()


def test_phone_rows_that_are_not_answers_are_reported(srs, collection, tmp_path: Path) -> None:
    """"Set due date" on the phone is not brought back (a manual revlog row), and the report
    says so, as for any Anki import, also when the package holds only srs's own notes."""
    build_history(srs, collection, tmp_path)
    phone = tmp_path / "phone.apkg"
    assert srs("export", "--apkg", str(phone), now=EXPORT_AT).exit_code == 0
    anki = anki_collection(tmp_path / "anki")
    try:
        anki_import(anki, phone)
        review = next(card for card in anki_cards(anki).values() if card.type == 2 and card.queue == 2)
        anki.sched.set_due_date([review.id], "5")
        assert anki.db.scalar("select count() from revlog where type = 4 and ease = 0") == 1
        back = tmp_path / "back.apkg"
        export_from_anki(anki, back)
    finally:
        anki.close()
    result = srs("import-anki", str(back), now=PHONE_AT)
    assert result.exit_code == 0, result.output
    assert "Reviews from Anki: 0 added" in result.output
    assert "Skipped review entries: 1 manual/rescheduling entry." in result.output
