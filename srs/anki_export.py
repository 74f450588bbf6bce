"""``srs export --apkg``: the collection (or a deck) as an Anki package, written with genanki.

What maps to what:

* every card that is not retired -> one Anki note, in the deck of the same name (``::``
  hierarchy kept), with the card's tags; a suspended card is suspended in Anki too;
* task, section, basic and imported cards -> an "srs Basic" note (Front, Back, Source);
* a basic card and its reversed sibling (same note) -> one "srs Basic (and reversed card)"
  note, whose two cards are the two directions; a reversed card without its sibling is a
  basic note of its own;
* the cloze cards of one note -> ONE "srs Cloze" note (Text, Back Extra, Source) with
  ``{{c1::...}}``, ``{{c2::...}}``..., the note text rebuilt from the cards' sides
  (:mod:`srs.anki_cloze`); ``{{cN}}`` numbers are kept, ``==text==`` deletions are numbered
  in text order; a note that cannot be rebuilt exactly (overlapping deletions) is exported
  as basic notes, one per card, and counted in the summary;
* Markdown -> HTML by :mod:`srs.render_html` (math for MathJax, highlighted code);
* local images -> files in the package's media, referenced by file name.

Note GUIDs are derived from the card identity (``Card.key``; the note key for a reversed
pair or a cloze note) and the three note types have fixed ids, so importing a newer export
into Anki updates the notes it already has instead of adding duplicates.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srs.errors import SrsError
from srs.render_html import cloze_numbers, default_media_name, image_sources, markdown_to_html
from srs.ui import plural

if TYPE_CHECKING:
    from srs.store.anki import ExportCard
    from srs.store.collection import Collection

# Fixed note-type ids: the same in every export, so Anki recognises its note types again.
BASIC_MODEL_ID = 1_740_117_301
REVERSED_MODEL_ID = 1_740_117_302
CLOZE_MODEL_ID = 1_740_117_303

GUID_NAMESPACE = "srs"

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


@dataclass
class ExportSummary:
    """What an export wrote; ``str()`` is the report the CLI prints."""

    path: Path
    notes: int = 0
    cards: int = 0
    cloze_notes: int = 0
    reversed_notes: int = 0
    decks: int = 0
    media: int = 0
    missing_media: list[str] = field(default_factory=list)
    cloze_as_basic: int = 0  # cloze cards that could not be rebuilt as an Anki cloze note

    def __str__(self) -> str:
        lines = [
            f"Exported {plural(self.cards, 'card')} as {plural(self.notes, 'Anki note')} "
            f"in {plural(self.decks, 'deck')} to {self.path}"
        ]
        details = []
        if self.cloze_notes:
            details.append(f"{plural(self.cloze_notes, 'cloze note')}")
        if self.reversed_notes:
            details.append(f"{plural(self.reversed_notes, 'basic-and-reversed note')}")
        if details:
            lines[0] += f" ({', '.join(details)})"
        lines[0] += "."
        if self.media:
            lines.append(f"Media: {plural(self.media, 'file')} included.")
        if self.missing_media:
            shown = ", ".join(self.missing_media[:5]) + (", ..." if len(self.missing_media) > 5 else "")
            lines.append(f"Warning: {len(self.missing_media)} image(s) not found, left out: {shown}")
        if self.cloze_as_basic:
            lines.append(
                f"Note: {self.cloze_as_basic} cloze card(s) could not be rebuilt as an Anki cloze note "
                "(overlapping deletions?) and were exported as basic notes."
            )
        lines.append("Import it in Anki with File > Import; exporting again updates these notes instead of duplicating them.")
        return "\n".join(lines)


def note_guid(*identity: str) -> str:
    """A stable Anki GUID for a card identity (genanki's base91 hash of it)."""
    import genanki

    return str(genanki.guid_for(GUID_NAMESPACE, *identity))


def deck_id_for(name: str) -> int:
    """A stable Anki deck id for a deck name ("Default" is Anki's deck 1)."""
    if name == "Default":
        return 1
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


class _Media:
    """Local images of the exported cards: where each file is, and its name in the package."""

    def __init__(self, base_dirs: Sequence[Path]) -> None:
        self.base_dirs = list(base_dirs)
        self.names: dict[Path, str] = {}  # resolved file -> name in the package
        self.taken: set[str] = set()
        self.missing: list[str] = []

    def _resolve(self, src: str, source_path: str | None) -> Path | None:
        path = Path(src).expanduser()
        candidates = [path] if path.is_absolute() else []
        if not path.is_absolute():
            if source_path:
                candidates.append(Path(source_path).parent / path)
            candidates.extend(base / path for base in self.base_dirs)
        for candidate in candidates:
            try:
                if candidate.is_file():
                    return candidate.resolve()
            except OSError:
                continue
        return None

    def namer(self, card: ExportCard, texts: Sequence[str]) -> Any:
        mapping: dict[str, str] = {}
        for text in texts:
            for src in image_sources(text):
                if src in mapping:
                    continue
                found = self._resolve(src, card.source_path)
                if found is None:
                    if src not in self.missing:
                        self.missing.append(src)
                    mapping[src] = default_media_name(src)
                    continue
                name = self.names.get(found)
                if name is None:
                    name = found.name
                    if name in self.taken:
                        digest = hashlib.sha1(str(found).encode()).hexdigest()[:8]
                        name = f"{found.stem}-{digest}{found.suffix}"
                    self.names[found] = name
                    self.taken.add(name)
                mapping[src] = name
        return lambda src: mapping.get(src, default_media_name(src))


def _source_field(card: ExportCard) -> str:
    if not card.source_path:
        return ""
    where = card.source_path if card.source_line is None else f"{card.source_path}:{card.source_line}"
    return html.escape(where, quote=False)


def _field(text: str, media_name: Any) -> str:
    """A field that must not be empty (Anki makes no card from an empty question)."""
    return markdown_to_html(text, media_name=media_name) or "(empty)"


def cloze_number(card: ExportCard) -> int | None:
    """The Anki cloze number a card stands for, when its identity says (``c2`` parser
    variants, cards imported from Anki), else None (numbered in text order)."""
    parts = card.key.split("\x1f")
    if len(parts) == 6 and re.fullmatch(r"c\d+", parts[1]):
        return int(parts[1][1:])
    anki = re.fullmatch(r"anki:.*:(\d+)", card.key, re.S)
    if anki and card.kind == "cloze":
        return int(anki.group(1)) + 1
    return None


@dataclass(frozen=True)
class _ClozeExport:
    text: str  # Markdown with {{cN::...}} (or ==...==) markup
    extra: str
    suspended_ords: frozenset[int]


def cloze_note(cards: Sequence[ExportCard]) -> _ClozeExport | None:
    """The Anki cloze note of a group of sibling cloze cards, or None (export them as basic).

    Cards made by srs's parser hold finished sides (``[...]`` in the front); the note text
    is rebuilt from them (:mod:`srs.anki_cloze`). Cards whose front still holds the cloze
    markup (``{{cN::...}}`` or ``==...==``) give that text directly.
    """
    from srs.anki_cloze import ClozeCard, rebuild_cloze_note

    ordered = sorted(cards, key=lambda c: (cloze_number(c) or 0, c.id))
    rebuilt = rebuild_cloze_note([ClozeCard(c.front, c.back, cloze_number(c)) for c in ordered])
    if rebuilt is not None:
        suspended = frozenset(n - 1 for card, n in zip(ordered, rebuilt.numbers) if card.suspended)
        return _ClozeExport(rebuilt.text, rebuilt.extra, suspended)
    for card in ordered:
        if cloze_numbers(card.front) or "==" in card.front:
            numbers = cloze_numbers(markdown_to_html(card.front, cloze=True))
            if numbers:
                extra = card.back if card.back.strip() != card.front.strip() else ""
                if extra and (cloze_numbers(extra) or "==" in extra):
                    extra = ""
                suspended = frozenset(n - 1 for n in numbers) if all(c.suspended for c in cards) else frozenset()
                return _ClozeExport(card.front, extra, suspended)
    return None


def export_apkg(collection: Collection, path: Path, deck: str | None = None, *, now: datetime) -> ExportSummary:
    """Write the cards of ``deck`` (default: all) to the Anki package ``path``.

    The file is written to a temporary name beside ``path`` and renamed into place, so a
    failed export never leaves a half-written package.
    """
    import genanki

    from srs.store.anki import export_cards

    with collection.read() as session:
        cards = export_cards(session, deck)
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
    decks: dict[str, Any] = {}

    def add_note(deck_name: str, model: Any, fields: list[str], tags: Sequence[str], guid: str, suspended_ords: set[int]) -> None:
        target = decks.get(deck_name)
        if target is None:
            target = decks[deck_name] = genanki.Deck(deck_id_for(deck_name), deck_name)
        note = genanki.Note(model=model, fields=fields, tags=sorted(set(tags)), guid=guid)
        for anki_card in note.cards:
            anki_card.suspend = anki_card.ord in suspended_ords
        target.add_note(note)
        summary.notes += 1
        summary.cards += len(note.cards)

    def basic_note(card: ExportCard) -> None:
        name = media.namer(card, [card.front, card.back])
        fields = [_field(card.front, name), markdown_to_html(card.back, media_name=name), _source_field(card)]
        add_note(card.deck, models["basic"], fields, card.tags, note_guid("card", card.key), {0} if card.suspended else set())

    groups: dict[str, list[ExportCard]] = {}
    for card in cards:
        groups.setdefault(card.note_key, []).append(card)

    for note_key, siblings in groups.items():
        clozes = [c for c in siblings if c.kind == "cloze"]
        others = [c for c in siblings if c.kind != "cloze"]
        if clozes:
            found = cloze_note(clozes)
            if found is None:
                summary.cloze_as_basic += len(clozes)
                others.extend(clozes)
            else:
                first = clozes[0]
                name = media.namer(first, [found.text, found.extra])
                rendered = markdown_to_html(found.text, media_name=name, cloze=True)
                fields = [rendered, markdown_to_html(found.extra, media_name=name) if found.extra.strip() else "", _source_field(first)]
                tags = sorted({t for c in clozes for t in c.tags})
                add_note(first.deck, models["cloze"], fields, tags, note_guid("cloze", note_key), set(found.suspended_ords))
                summary.cloze_notes += 1
        forward = [c for c in others if c.kind == "basic"]
        backward = [c for c in others if c.kind == "reversed"]
        if len(forward) == 1 and len(backward) == 1:
            card, reverse = forward[0], backward[0]
            name = media.namer(card, [card.front, card.back])
            fields = [_field(card.front, name), _field(card.back, name), _source_field(card)]
            suspended = ({0} if card.suspended else set()) | ({1} if reverse.suspended else set())
            add_note(card.deck, models["reversed"], fields, sorted(set(card.tags) | set(reverse.tags)), note_guid("note", note_key), suspended)
            summary.reversed_notes += 1
            others = [c for c in others if c is not card and c is not reverse]
        for card in others:
            basic_note(card)

    summary.decks = len(decks)
    summary.media = len(media.names)
    summary.missing_media = media.missing
    _write_package(list(decks.values()), media.names, path, now)
    return summary


def _write_package(decks: list[Any], media_names: dict[Path, str], path: Path, now: datetime) -> None:
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

    timestamp = now.timestamp()
    temporary: str | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="srs-apkg-") as staging:
            database = os.path.join(staging, "collection.anki2")
            connection = sqlite3.connect(database)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # genanki's "invalid HTML tags" check is for unescaped text
                    genanki.Package(decks).write_to_db(connection.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
                connection.commit()
            finally:
                connection.close()
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(handle)
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.write(database, "collection.anki2")
                ordered = list(media_names.items())
                archive.writestr("media", json.dumps({str(index): name for index, (_source, name) in enumerate(ordered)}))
                for index, (source, name) in enumerate(ordered):
                    try:
                        archive.write(source, str(index))
                    except OSError as error:
                        raise SrsError(f"{source}: cannot read image ({error.strerror})") from None
            os.replace(temporary, path)
            temporary = None
    except OSError as error:
        raise SrsError(f"{path}: cannot write package ({error.strerror or error})") from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
