"""Which notes ``srs import-anki`` reports as edited in Anki (the Markdown is the source of
text): only those whose text in Anki differs from what srs exports for them, never a note
that a newer ``srs export --apkg`` updated on the phone (Anki keeps the package's note time
when it updates a note, and keeps the cards, with their first export's custom data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from srs.store.models import Card
from test_anki_roundtrip import DAY, EXPORT_AT, PHONE_AT, anki_cards, anki_collection, anki_import, answer_in_anki, build_history


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
        anki.decks.select(anki.decks.id_for_name("memory"))
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
