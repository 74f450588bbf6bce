"""``srs export --apkg``: the collection (or a deck) as an Anki package, written with genanki.

What maps to what:

* every card that is not retired -> one Anki note, in the deck of the same name (``::``
  hierarchy kept), with the card's tags; a suspended card is suspended in Anki too;
* task, section, basic and imported cards -> an "srs Basic" note (Front, Back, Source);
* a basic card and its reversed sibling (same note) -> one "srs Basic (and reversed card)"
  note, whose two cards are the two directions; a reversed card without its sibling is a
  basic note of its own;
* the cards of one note imported from Anki (``srs import-anki``) -> one note again: two
  cards that mirror each other (Anki's "Basic (and reversed card)") -> "srs Basic (and
  reversed card)"; any other set of templates -> "srs Anki note (N cards)" (Front 1, Back 1,
  ..., Front N, Back N, Source; card N shows Front N), one note type per N;
* the cloze cards of one note -> ONE "srs Cloze" note (Text, Back Extra, Source) with
  ``{{c1::...}}``, ``{{c2::...}}``..., the note text rebuilt from the cards' sides
  (:mod:`srs.anki.cloze`); ``{{cN}}`` numbers are kept, ``==text==`` deletions are numbered
  in text order; a note that cannot be rebuilt exactly (overlapping deletions) is exported
  as basic notes, one per card, and counted in the summary;
* Markdown -> HTML by :mod:`srs.anki.render_html` (math for MathJax, highlighted code);
* local images -> files in the package's media, referenced by file name.

Note GUIDs, so that importing a newer export into Anki updates the notes it already has
instead of adding duplicates (the note types have fixed ids too):

* srs's own cards: the GUID is the hash of the note type and the lowest card id among the
  cards the Anki note is made of (the card itself; the two cards of a ``Q:::A`` pair; the
  cloze cards of a cloze note). Card ids survive what changes a card's key and note key: a
  fixed typo, a renamed heading, a moved file (:mod:`srs.domain.identity` keeps the card), and a
  ``srs export --json`` / ``import-json`` round trip. A cloze note that gains a deletion
  keeps its GUID (the new card's id is higher), and so does one that loses a deletion,
  unless it loses the deletion whose card is the note's oldest (lowest id): that note gets
  a new GUID, and Anki keeps the old note beside the new one. A note whose type changes
  (``Q::A`` -> ``Q:::A``, a cloze note that can no longer be rebuilt) gets a new GUID as well,
  so Anki never meets a known GUID with another note type.
* cards imported from Anki: the GUID of their Anki note (kept in the note key,
  ``anki:<guid>``), so that an Anki -> srs -> Anki round trip finds the original notes.
  Anki only updates a note in place when its note type is the same: importing into the
  collection the notes came from reports them as "conflicting" (nothing is duplicated)
  unless "Merge note types" is ticked, which converts them to srs's note types.
  If that GUID is already the one of an srs card's note in the same export, or the note
  cannot be one Anki note again (a cloze note that cannot be rebuilt), the GUID comes from
  the card ids as above.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srs.anki.notetypes import BASIC_MODEL_ID, CLOZE_MODEL_ID, MULTI_MODEL_ID_BASE, REVERSED_MODEL_ID
from srs.errors import SrsError
from srs.files import replaced_atomically
from srs.store.anki import export_cards, export_logs, export_presets

if TYPE_CHECKING:
    from srs.app.anki_schedule_writer import ScheduleExport
    from srs.store.anki import ExportCard
    from srs.store.collection import Collection
from srs.app.anki_export_plan import ExportSummary, _Media, choose_guids, deck_id_for, plan_notes

CSS = """\
.card { font-family: -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif;
        font-size: 20px; text-align: left; color: black; background-color: white; line-height: 1.5; }
.card.nightMode { color: #eee; background-color: #222; }
.cloze { font-weight: bold; color: #0645ad; }
.nightMode .cloze { color: #8ab4f8; }
.srs-source { margin-top: 1.5em; font-size: 12px; color: #888; }
pre { font-size: 15px; border-radius: 4px; }
table { border-collapse: collapse; } td, th { border: 1px solid #aaa; padding: 2px 6px; }
img { max-width: 100%; }
"""

_SOURCE = "{{#Source}}<div class=srs-source>{{Source}}</div>{{/Source}}"


def _multi_model(templates: int) -> Any:
    """The note type of an Anki note with ``templates`` card templates that is neither basic nor
    basic-and-reversed (import-anki of a note type srs does not know): card N shows Front N
    and answers Back N; a template whose Front is empty makes no card."""
    import genanki

    fields = [{"name": f"{side} {n}"} for n in range(1, templates + 1) for side in ("Front", "Back")]
    return genanki.Model(
        MULTI_MODEL_ID_BASE + templates,
        f"srs Anki note ({templates} cards)",
        fields=[*fields, {"name": "Source"}],
        templates=[
            {"name": f"Card {n}", "qfmt": f"{{{{Front {n}}}}}", "afmt": f"{{{{FrontSide}}}}<hr id=answer>{{{{Back {n}}}}}" + _SOURCE}
            for n in range(1, templates + 1)
        ],
        css=CSS,
    )


def _models() -> dict[str, Any]:
    import genanki

    fields = [{"name": "Front"}, {"name": "Back"}, {"name": "Source"}]
    basic = genanki.Model(
        BASIC_MODEL_ID,
        "srs Basic",
        fields=[dict(f) for f in fields],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}" + _SOURCE}],
        css=CSS,
    )
    reversed_ = genanki.Model(
        REVERSED_MODEL_ID,
        "srs Basic (and reversed card)",
        fields=[dict(f) for f in fields],
        templates=[
            {"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}" + _SOURCE},
            {"name": "Card 2", "qfmt": "{{Back}}", "afmt": "{{FrontSide}}<hr id=answer>{{Front}}" + _SOURCE},
        ],
        css=CSS,
    )
    cloze = genanki.Model(
        CLOZE_MODEL_ID,
        "srs Cloze",
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"}],
        templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back Extra}}" + _SOURCE}],
        css=CSS,
        model_type=genanki.Model.CLOZE,
    )
    return {"basic": basic, "reversed": reversed_, "cloze": cloze}


def export_apkg(collection: Collection, path: Path, deck: str | None = None, *, now: datetime, with_scheduling: bool = True) -> ExportSummary:
    """Write the cards of ``deck`` (default: all) to the Anki package ``path``; with
    scheduling (the default), each card's state, memory and review log and the decks'
    presets go with them (:mod:`srs.app.anki_schedule_writer`).

    The file is written to a temporary name beside ``path`` and renamed into place, so a
    failed export never leaves a half-written package.
    """
    import genanki

    from srs.app.anki_schedule_writer import ScheduleExport

    with collection.read() as session:
        cards = export_cards(session, deck)
        logs = export_logs(session, [card.id for card in cards]) if with_scheduling else None
        presets = export_presets(session, {card.deck_id for card in cards})
    if not cards:
        raise SrsError(f"nothing to export: {'deck ' + repr(deck) + ' has' if deck else 'the collection has'} no cards")
    path = Path(path).expanduser()
    if path.suffix.lower() != ".apkg":
        raise SrsError(f"{path}: an Anki package must end in .apkg")
    if not path.parent.is_dir():
        raise SrsError(f"{path.parent}: no such folder")

    models = _models()
    base_dirs = [collection.path.parent] if collection.path is not None else []
    media = _Media(base_dirs)
    summary = ExportSummary(path=path)
    planned = plan_notes(cards, media, summary)
    decks: dict[str, Any] = {}
    by_ord: dict[tuple[str, int], ExportCard] = {}
    for note, guid in zip(planned, choose_guids([(n.guid, n.original) for n in planned])):
        by_ord.update(((guid, ord_), card) for ord_, card in note.ords)
        model = models.get(note.model)
        if model is None:
            model = models[note.model] = _multi_model(int(note.model.removeprefix("multi")))
        target = decks.get(note.deck)
        if target is None:
            target = decks[note.deck] = genanki.Deck(deck_id_for(note.deck), note.deck)
        anki = genanki.Note(model=model, fields=note.fields, tags=note.tags, guid=guid)
        for anki_card in anki.cards:
            anki_card.suspend = anki_card.ord in note.suspended_ords
        target.add_note(anki)
        summary.notes += 1
        summary.cards += len(anki.cards)

    summary.decks = len(decks)
    summary.media = len(media.names)
    summary.missing_media = media.missing
    schedule = ScheduleExport(by_ord, logs, presets, {card.deck: card.deck_id for card in cards})
    summary.reviews = _write_package(list(decks.values()), media.names, path, now, schedule)
    summary.with_scheduling = with_scheduling
    return summary


def _write_package(decks: list[Any], media_names: dict[Path, str], path: Path, now: datetime, schedule: ScheduleExport) -> int:
    """Write the package to a temporary file beside ``path``, then rename it into place.

    The layout is genanki's (``collection.anki2`` in Anki's legacy schema, a JSON ``media``
    map, media files named 0, 1, ...), which every Anki version imports; the collection is
    filled by genanki and zipped here so that nothing is left behind on failure.
    """
    import itertools
    import json
    import sqlite3
    import warnings
    import zipfile

    import genanki

    from srs.app.anki_schedule_writer import write_schedule

    timestamp = now.timestamp()
    with replaced_atomically(path, what="package") as temporary, tempfile.TemporaryDirectory(prefix="srs-apkg-") as staging:
        database = os.path.join(staging, "collection.anki2")
        connection = sqlite3.connect(database)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # genanki's "invalid HTML tags" check is for unescaped text
                genanki.Package(decks).write_to_db(connection.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            reviews = write_schedule(connection, schedule, now)
            connection.commit()
        finally:
            connection.close()
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(database, "collection.anki2")
            ordered = list(media_names.items())
            archive.writestr("media", json.dumps({str(index): name for index, (_source, name) in enumerate(ordered)}))
            for index, (source, _name) in enumerate(ordered):
                try:
                    archive.write(source, str(index))
                except OSError as error:
                    raise SrsError(f"{source}: cannot read image ({error.strerror})") from None
    return reviews
