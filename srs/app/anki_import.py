"""``srs import-anki``: cards and review history from an Anki package (.apkg / .colpkg).

What maps to what:

* each Anki card -> one srs card (origin ``anki``, ``external_id`` = the Anki card id,
  key ``anki:<note guid>:<ord>``; the cards of one note are siblings, and ``srs export
  --apkg`` writes them back as one note with that GUID). Front = the fields
  the card's question template shows, back = the fields only its answer shows, each
  converted from HTML to Markdown (:mod:`srs.anki.html_markdown`).
* cloze notes -> cloze cards, one per cloze number (the Anki cards of the note), made as
  srs's parser makes them: the front is the note's text with this card's deletions shown as
  ``[...]`` (or ``[hint]``) and the others as text, the back is the whole text followed by
  the other answer fields (Back Extra). An Anki "empty card" (its number no longer in the
  text) is skipped.
* decks -> decks of the same name (``--deck PREFIX`` puts them under ``PREFIX::``); a card
  in a filtered deck goes to its home deck. Tags are kept. Suspended cards stay suspended.
* the review log: each answer (revlog row with a rating 1-4) -> a review-log entry at the
  same instant (revlog ids are epoch milliseconds) with its duration; the card's state is
  the replay of that log through srs's FSRS scheduler (Anki's own due dates are not
  copied). Skipped, as Anki's FSRS optimizer skips them: rows without a rating (ease 0)
  and manual / rescheduled rows (type 4 and 5: "set due date", "forget", FSRS reschedules),
  filtered-deck reviews that did not reschedule (type 3 with factor 0), and everything
  before the card's last "forget" (a manual row with factor 0).
* media the notes use -> files in ``media/`` beside an SQLite collection (else in the srs
  data folder), referenced by absolute path; a name already taken by different content
  gets a short hash suffix.
* image-occlusion notes are skipped (their masks are not text).

Importing the same package again updates the cards in place and adds only reviews that
are not yet in the log. The package is only read (from a temporary extracted copy).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from srs.anki.cloze import anki_numbers, cloze_sides
from srs.anki.html_markdown import html_to_markdown
from srs.anki.notetypes import SRS_NOTETYPE_IDS
from srs.anki.package import (
    REVLOG_FILTERED,
    REVLOG_MANUAL,
    REVLOG_RESCHEDULED,
    AnkiCollection,
    AnkiNote,
    NoteType,
    RevlogEntry,
    read_package,
)
from srs.app.anki_import_media import MediaPlan, media_directory  # media_directory: also for callers
from srs.app.anki_roundtrip import merge_report, read_srs_notes
from srs.errors import SrsError
from srs.store.anki import IncomingCard
from srs.store.anki_merge import import_and_merge
from srs.store.decks import normalise_deck_name
from srs.text import plural

if TYPE_CHECKING:
    from srs.store.anki import IncomingCard
    from srs.store.collection import Collection

_FIELD_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")
DECK_SEPARATOR = "::"


@dataclass
class AnkiImportSummary:
    """What an import did; ``str()`` is the report the CLI prints."""
    path: Path
    member: str = ""
    notes: int = 0
    cards: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    decks: list[str] = field(default_factory=list)
    reviews: int = 0
    reviews_present: int = 0
    reviews_conflicting: int = 0
    skipped_no_rating: int = 0  # manual, rescheduled, ease 0
    skipped_cramming: int = 0
    skipped_before_reset: int = 0
    orphan_reviews: int = 0
    skipped_image_occlusion: int = 0
    skipped_empty_cloze: int = 0
    skipped_duplicates: int = 0
    media_copied: int = 0
    media_present: int = 0
    media_missing: list[str] = field(default_factory=list)
    media_dir: Path | None = None
    srs_cards: int = 0  # Anki cards of srs's own notes (srs export --apkg), merged by card
    merged: int = 0  # their answers added to srs's log
    merged_known: int = 0  # their answers srs already had
    merged_cards: int = 0  # srs cards that received answers
    merged_retired: int = 0  # of which retired in srs
    unmatched: int = 0  # Anki cards of srs notes whose srs card no longer exists
    edited: list[str] = field(default_factory=list)  # source path:line of notes edited in Anki

    def srs_lines(self) -> list[str]:
        """The merge's part of the report (:func:`srs.app.anki_roundtrip.merge_report`)."""
        return merge_report(self)

    def skipped_reviews(self) -> list[str]:
        """The review entries not imported, by reason (none: no line)."""
        skipped = []
        if self.skipped_no_rating:
            skipped.append(f"{self.skipped_no_rating} manual/rescheduling {'entries' if self.skipped_no_rating != 1 else 'entry'}")
        if self.skipped_cramming:
            skipped.append(plural(self.skipped_cramming, 'filtered-deck preview'))
        if self.skipped_before_reset:
            skipped.append(f"{self.skipped_before_reset} before a reset")
        if self.orphan_reviews:
            skipped.append(f"{self.orphan_reviews} of cards not in the package")
        if self.reviews_conflicting:
            skipped.append(f"{self.reviews_conflicting} older than the card's newer srs reviews")
        return ["Skipped review entries: " + "; ".join(skipped) + "."] if skipped else []

    def __str__(self) -> str:
        decks = ", ".join(self.decks[:6]) + (", ..." if len(self.decks) > 6 else "")
        if not self.cards:  # only srs's own notes: their merge, and the rows that were not answers
            return "\n".join([f"Imported {self.path.name} ({self.member}).", *self.srs_lines(), *self.skipped_reviews()])
        lines = [
            f"Imported {self.path.name} ({self.member}): {plural(self.notes, 'note')}, "
            f"{plural(self.cards, 'card')} in {plural(len(self.decks), 'deck')}"
            + (f" ({decks})" if decks else "")
            + ".",
            f"Cards: {self.new} new, {self.updated} updated, {self.unchanged} unchanged.",
            f"Reviews: {self.reviews} added to the log"
            + (f", {self.reviews_present} already there" if self.reviews_present else "")
            + ".",
        ]
        lines.extend(self.skipped_reviews())
        lines.extend(self.srs_lines())
        if self.skipped_empty_cloze:
            lines.append(f"Skipped {self.skipped_empty_cloze} empty cloze card(s) (their number is no longer in the note's text).")
        if self.skipped_duplicates:
            lines.append(f"Skipped {self.skipped_duplicates} card(s) whose note GUID and ordinal repeat another's (a damaged package).")
        if self.skipped_image_occlusion:
            lines.append(f"Skipped {self.skipped_image_occlusion} image-occlusion card(s) (not text).")
        if self.media_copied or self.media_present:
            lines.append(f"Media: {self.media_copied} file(s) copied, {self.media_present} already present, in {self.media_dir}.")
        if self.media_missing:
            shown = ", ".join(self.media_missing[:5]) + (", ..." if len(self.media_missing) > 5 else "")
            lines.append(f"Warning: {len(self.media_missing)} media file(s) used by notes are not in the package: {shown}")
        return "\n".join(lines)


def template_fields(template: str, field_names: Iterable[str]) -> list[str]:
    """Field names a card template shows, in order (``{{type:X}}`` inputs and conditionals excluded)."""
    names = set(field_names)
    shown: list[str] = []
    for match in _FIELD_REFERENCE.finditer(template):
        token = match.group(1).strip()
        if not token or token[0] in "#^/!":
            continue
        *filters, name = token.split(":")
        name = name.strip()
        if "type" in (f.strip() for f in filters):
            continue
        if name in names and name not in shown:
            shown.append(name)
    return shown


def cloze_field(notetype: NoteType) -> str:
    """The field a cloze note type hides text in (``{{cloze:Text}}``), default its first."""
    question = notetype.templates.get(0, ("", ""))[0]
    for match in _FIELD_REFERENCE.finditer(question):
        *filters, name = match.group(1).split(":")
        if "cloze" in (f.strip() for f in filters) and name.strip() in notetype.fields:
            return name.strip()
    return notetype.fields[0] if notetype.fields else ""


def review_events(entries: list[RevlogEntry], summary: AnkiImportSummary) -> tuple[tuple[int, datetime, int | None], ...]:
    """A card's revlog rows (oldest first) as ``(rating, reviewed_at, duration_ms)`` answers."""
    start = 0
    for index, entry in enumerate(entries):
        if entry.type == REVLOG_MANUAL and entry.factor == 0 and entry.ease == 0:
            start = index + 1
    summary.skipped_before_reset += sum(1 for e in entries[:start] if 1 <= e.ease <= 4 and e.type not in (REVLOG_MANUAL, REVLOG_RESCHEDULED))
    events = []
    for entry in entries[start:]:
        if entry.ease not in (1, 2, 3, 4) or entry.type in (REVLOG_MANUAL, REVLOG_RESCHEDULED):
            if not (entry.type == REVLOG_MANUAL and entry.factor == 0 and entry.ease == 0):
                summary.skipped_no_rating += 1
            continue
        if entry.type == REVLOG_FILTERED and entry.factor == 0:
            summary.skipped_cramming += 1
            continue
        when = datetime.fromtimestamp(entry.id / 1000, tz=timezone.utc)
        events.append((entry.ease, when, entry.time_ms if entry.time_ms > 0 else None))
    return tuple(events)


def _tags(text: str) -> str:
    tags = text.split()
    return f" {' '.join(tags)} " if tags else ""


def _join(parts: Iterable[str]) -> str:
    return "\n\n".join(part for part in parts if part.strip())


def note_fields(note: AnkiNote, notetype: NoteType | None, resolve: Callable[[str], str | None]) -> dict[str, str]:
    """A note's fields by name (``Field N`` beyond its note type's), converted to Markdown."""
    names = list(notetype.fields) if notetype else []
    names += [f"Field {i + 1}" for i in range(len(names), len(note.fields))]
    return {name: html_to_markdown(value, resolve) for name, value in zip(names, note.fields)}


def card_sides(ord_: int, notetype: NoteType | None, fields: dict[str, str], raw: str) -> tuple[str, str, str] | None:
    """``(front, back, kind)`` of the card ``ord_`` of a note with these (Markdown) fields;
    None for a cloze card whose number is no longer in the text."""
    names = list(fields)
    if notetype is not None and notetype.id in SRS_NOTETYPE_IDS:
        names = [n for n in names if n != "Source"]  # where srs exported it from, not card text
    is_cloze = notetype.is_cloze if notetype is not None else bool(re.search(r"\{\{c\d+::", raw))
    if is_cloze:
        text_field = cloze_field(notetype) if notetype is not None else names[0]
        answer = notetype.templates.get(0, ("", ""))[1] if notetype is not None else ""
        text = fields.get(text_field, "")
        if ord_ + 1 not in anki_numbers(text):
            return None
        front, back = cloze_sides(text, ord_ + 1)
        return front, _join([back, *(fields[n] for n in template_fields(answer, names) if n != text_field)]), "cloze"
    question, answer = notetype.templates.get(ord_, ("", "")) if notetype is not None else ("", "")
    shown = template_fields(question, names)
    front = _join(fields[n] for n in shown)
    back = _join(fields[n] for n in template_fields(answer, names) if n not in shown)
    if not front.strip():
        non_empty = [n for n in names if fields[n].strip()]
        front = fields[non_empty[0]] if non_empty else ""
        back = _join(fields[n] for n in non_empty[1:])
    return front, back, "anki"


def incoming_cards(
    package: AnkiCollection,
    source: Path,
    deck_prefix: str | None,
    media: MediaPlan,
    summary: AnkiImportSummary,
    skip_notes: frozenset[int] = frozenset(),
    text_only: frozenset[int] = frozenset(),
) -> list[IncomingCard]:
    """The srs cards for every Anki card of ``package`` but those of ``skip_notes``, with
    their review events (none for ``text_only`` notes, whose answers are merged elsewhere)."""
    revlog: dict[int, list[RevlogEntry]] = {cid: list(rows) for cid, rows in groupby(package.revlog, key=lambda e: e.card_id)}
    card_ids = {card.id for card in package.cards}
    summary.orphan_reviews = sum(len(rows) for cid, rows in revlog.items() if cid not in card_ids)
    package_cards = [card for card in package.cards if card.note_id not in skip_notes]
    converted: dict[int, dict[str, str]] = {}  # note id -> its fields in Markdown
    result: list[IncomingCard] = []
    notes_seen: set[int] = set()
    keys: set[str] = set()
    for card in package_cards:
        note = package.notes.get(card.note_id)
        if note is None:
            continue
        notetype = package.notetypes.get(note.notetype_id)
        raw = "\x1f".join(note.fields)
        if (notetype is not None and notetype.is_image_occlusion) or "image-occlusion:" in raw:
            summary.skipped_image_occlusion += 1
            continue
        if note.id not in converted:
            converted[note.id] = note_fields(note, notetype, media.resolve)
        sides = card_sides(card.ord, notetype, converted[note.id], raw)
        if sides is None:
            summary.skipped_empty_cloze += 1  # Anki's "empty card": its cloze is gone from the text
            continue
        front, back, kind = sides
        key = f"anki:{note.guid}:{card.ord}"
        if key in keys:  # a damaged package with a GUID twice: the first note wins
            summary.skipped_duplicates += 1
            continue
        keys.add(key)
        deck = package.decks.get(card.deck_id) or "Default"
        if deck_prefix:
            deck = f"{deck_prefix}{DECK_SEPARATOR}{deck}"
        notes_seen.add(note.id)
        result.append(
            IncomingCard(
                key=key, note_key=f"anki:{note.guid}", external_id=str(card.id), kind=kind, deck=deck, front=front or "(empty)", back=back,
                tags=_tags(note.tags), source_path=str(source), suspended=card.queue == -1,
                events=() if note.id in text_only else review_events(revlog.get(card.id, []), summary),
            )
        )
    summary.notes = len(notes_seen)
    return result


def import_anki(collection: Collection, path: Path, *, deck: str | None = None, now: datetime) -> AnkiImportSummary:
    """Import the Anki package at ``path`` into ``collection`` (one transaction): Anki notes
    as cards, and the answers given in Anki to srs's own exported cards merged into their logs."""
    path = Path(path).expanduser()
    prefix = normalise_deck_name(deck) if deck else None
    if deck is not None and not prefix:
        raise SrsError(f"--deck {deck!r} is not a deck name")
    package = read_package(path)
    summary = AnkiImportSummary(path=path, member=package.member)
    own = read_srs_notes(collection, package, lambda rows: review_events(rows, summary))
    summary.srs_cards, summary.unmatched, summary.edited = own.cards, own.unmatched, own.edited
    media = MediaPlan(package, path, media_directory(collection))
    incoming = incoming_cards(package, path.resolve(), prefix, media, summary, frozenset(own.note_ids - own.anki_notes), frozenset(own.anki_notes))
    summary.cards = len(incoming)
    if not incoming and not own.note_ids:
        raise SrsError(f"no cards to import ({package.member} holds {len(package.notes)} notes and {len(package.cards)} cards)", path=str(path))
    media.write()
    try:
        counts, merged = collection.transact(lambda session: import_and_merge(session, incoming, own.events, now))
    except BaseException:
        media.undo()
        raise
    summary.merged, summary.merged_known, summary.merged_cards, summary.merged_retired = merged.added, merged.known, merged.cards, merged.retired_cards
    summary.new, summary.updated, summary.unchanged = counts.new, counts.updated, counts.unchanged
    summary.reviews, summary.reviews_present, summary.reviews_conflicting = counts.reviews, counts.reviews_present, counts.reviews_conflicting
    summary.decks = sorted(counts.decks)
    summary.media_copied = len(media.written)
    summary.media_present = media.present
    summary.media_missing = media.missing
    summary.media_dir = media.directory
    return summary
