"""Which notes of an Anki package are srs's own (written by ``srs export --apkg``), and the
answers given in Anki to each srs card, for ``srs import-anki``'s merge.

A note is srs's when its note type is one srs writes and its GUID is one srs issued for the
cards it names: the GUID from the lowest of their card ids (:func:`srs.app.anki_export_plan.srs_guid`),
or the Anki GUID the cards were first imported with (note key ``anki:<guid>``). Each Anki card
names its srs card in its custom data (``{"srs": id}``, :mod:`srs.anki.scheduling`); a package
exported before srs wrote custom data is matched by GUID and card ordinal against the notes
an export of the collection would write today. Such notes never become new cards: their
answers go to the srs cards' logs, and their text stays what the Markdown says (a note edited
in Anki after the export is reported with its source ``path:line``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from srs.anki.notetypes import BASIC_MODEL_ID, CLOZE_MODEL_ID, MULTI_MODEL_ID_BASE, REVERSED_MODEL_ID, SRS_NOTETYPE_IDS
from srs.anki.scheduling import srs_custom_data
from srs.store.anki import export_cards, note_export_cards
from srs.store.anki_merge import srs_cards
from srs.text import plural

if TYPE_CHECKING:
    from srs.anki.package import AnkiCollection, AnkiNote, RevlogEntry
    from srs.app.anki_export_plan import _PlannedNote
    from srs.store.anki import ExportCard
    from srs.store.anki_merge import SrsCardInfo
    from srs.store.collection import Collection

Event = tuple[int, datetime, int | None]


@dataclass
class SrsNotes:
    """The srs part of a package."""
    events: dict[int, list[Event]] = field(default_factory=dict)  # srs card id -> Anki answers
    note_ids: set[int] = field(default_factory=set)  # Anki notes that are srs's
    # Of which notes whose srs cards came from Anki (import-anki, then export): Anki is their
    # text's source, so their text is updated as any Anki note's (their answers are merged).
    anki_notes: set[int] = field(default_factory=set)
    cards: int = 0  # Anki cards matched to srs cards
    unmatched: int = 0  # Anki cards of srs notes naming no srs card (deleted since)
    # Notes changed in Anki since the export (their time is later): fields and lowest srs card.
    suspects: list[tuple[tuple[str, ...], SrsCardInfo]] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)  # "path:line" of notes whose text Anki changed


def model_name(notetype_id: int) -> str | None:
    names = {BASIC_MODEL_ID: "basic", REVERSED_MODEL_ID: "reversed", CLOZE_MODEL_ID: "cloze"}
    if notetype_id in names:
        return names[notetype_id]
    return f"multi{notetype_id - MULTI_MODEL_ID_BASE}" if notetype_id in SRS_NOTETYPE_IDS else None


def _plan(collection: Collection, cards: Sequence[ExportCard]) -> list[_PlannedNote]:
    """The Anki notes an export of ``cards`` writes (fields rendered as the export does)."""
    from srs.app.anki_export_plan import ExportSummary, _Media, plan_notes

    base_dirs = [collection.path.parent] if collection.path is not None else []
    return plan_notes(cards, _Media(base_dirs), ExportSummary(path=Path(".")))


def issued_notes(collection: Collection) -> dict[str, tuple[dict[int, int], list[str]]]:
    """GUID -> ({Anki ordinal: srs card id}, fields) of the notes an export of the whole
    collection writes today (for packages without srs's custom data)."""
    from srs.app.anki_export_plan import choose_guids

    with collection.read() as session:
        cards = export_cards(session, None)
    planned = _plan(collection, cards)
    guids = choose_guids([(note.guid, note.original) for note in planned])
    return {guid: ({ord_: card.id for ord_, card in note.ords}, note.fields) for note, guid in zip(planned, guids)}


def text_changed(collection: Collection, suspects: Sequence[tuple[tuple[str, ...], SrsCardInfo]]) -> list[str]:
    """Source ``path:line`` of the ``suspects`` (an Anki note's fields, its lowest srs card)
    whose text in Anki is not what an export of their cards writes today: edited in Anki. A
    note whose time is later than the export only because a newer srs export updated it on
    the phone (Anki keeps a package's note time) has the exported text, and is not listed."""
    if not suspects:
        return []
    with collection.read() as session:
        cards = note_export_cards(session, {info.note_key for _, info in suspects})
    exported = {card.id: note.fields for note in _plan(collection, cards) for _, card in note.ords}
    edited = []
    for fields, info in suspects:
        if info.source_path and list(fields) != exported.get(info.id):
            edited.append(info.source_path if info.source_line is None else f"{info.source_path}:{info.source_line}")
    return edited


def _same_note(fields: list[str], planned: list[str]) -> bool:
    """An Anki note's fields are those of a note an export writes today: the same Source
    field (where in the Markdown it came from), or, without one, the same text."""
    if len(fields) != len(planned):
        return False
    return fields[-1] == planned[-1] if planned[-1] else fields == planned


def _issued(note: AnkiNote, ids: list[int], infos: Mapping[int, SrsCardInfo]) -> bool:
    from srs.app.anki_export_plan import note_guid

    name = model_name(note.notetype_id)
    if name is not None and ids and note.guid == note_guid(name, "card-id", str(min(ids))):
        return True
    return any(infos[i].note_key == f"anki:{note.guid}" for i in ids if i in infos)


def find_srs_notes(
    package: AnkiCollection,
    lookup: Callable[[list[int]], Mapping[int, SrsCardInfo]],
    issued: Callable[[], dict[str, tuple[dict[int, int], list[str]]]],
    review_events: Callable[[list[RevlogEntry]], tuple[Event, ...]],
) -> SrsNotes:
    """The srs notes of ``package`` and their answers (``lookup``: srs cards by id;
    ``issued``: GUIDs an export writes today, computed only when a note has no custom data)."""
    result = SrsNotes()
    by_note: dict[int, list[tuple[int, int, tuple[int, int, str] | None]]] = {}
    for card in package.cards:
        note = package.notes.get(card.note_id)
        if note is not None and note.notetype_id in SRS_NOTETYPE_IDS:
            by_note.setdefault(note.id, []).append((card.id, card.ord, srs_custom_data(card.data)))
    if not by_note:
        return result
    named = lookup([found[0] for cards in by_note.values() for _, _, found in cards if found])
    # Only this collection's cards: same id and same fingerprint (id and creation instant).
    fingerprints = {found[0]: found[2] for cards in by_note.values() for _, _, found in cards if found}
    infos = {i: info for i, info in named.items() if info.fingerprint == fingerprints.get(i)}
    fallback: dict[str, tuple[dict[int, int], list[str]]] | None = None
    revlog = {cid: list(rows) for cid, rows in groupby(package.revlog, key=lambda e: e.card_id)}
    for note_id, cards in by_note.items():
        note = package.notes[note_id]
        ids = [found[0] for _, _, found in cards if found]
        ords_of = {cid: ord_ for cid, ord_, _ in cards}
        targets: dict[int, int] = {}  # Anki card id -> srs card id
        if ids and any(i in infos for i in ids) and _issued(note, ids, infos):
            targets = {cid: found[0] for cid, _, found in cards if found and found[0] in infos}
            stamp = min((found[1] for _, _, found in cards if found), default=0)
        elif not ids:
            if fallback is None:
                fallback = issued()
            planned = fallback.get(note.guid)
            # The same GUID and the same source path:line (or text): a note of this collection.
            if planned is None or not _same_note(list(note.fields), planned[1]):
                continue  # not a note srs issued: imported as any Anki note
            ords = planned[0]
            targets = {cid: ords[ord_] for cid, ord_, _ in cards if ord_ in ords}
            stamp = 0
        else:
            continue
        result.note_ids.add(note_id)
        if targets and all(i in infos and infos[i].key == f"anki:{note.guid}:{ords_of[anki_id]}" for anki_id, i in targets.items()):
            result.anki_notes.add(note_id)
            stamp = 0  # edits made in Anki are imported, not reported
        result.unmatched += len(cards) - len(targets)
        result.cards += len(targets)
        for anki_id, srs_id in targets.items():
            result.events.setdefault(srs_id, []).extend(review_events(revlog.get(anki_id, [])))
        if stamp and note.mod > stamp:
            info = next((infos[i] for i in sorted(ids) if i in infos), None)
            if info is not None:
                result.suspects.append((note.fields, info))
    return result


def read_srs_notes(collection: Collection, package: AnkiCollection, review_events: Callable[[list[RevlogEntry]], tuple[Event, ...]]) -> SrsNotes:
    """:func:`find_srs_notes` with the collection's cards (the import's reads)."""
    def lookup(ids: list[int]) -> Mapping[int, SrsCardInfo]:
        with collection.read() as session:
            return srs_cards(session, ids)

    found = find_srs_notes(package, lookup, lambda: issued_notes(collection), review_events)
    found.edited = text_changed(collection, found.suspects)
    return found


class MergeFigures(Protocol):
    srs_cards: int
    merged: int
    merged_known: int
    merged_cards: int
    merged_retired: int
    unmatched: int
    edited: list[str]


def merge_report(figures: MergeFigures) -> list[str]:
    """The lines of ``srs import-anki``'s report about srs's own cards (none when it had none)."""
    if not figures.srs_cards and not figures.unmatched:
        return []
    lines = [
        f"srs's own cards: {plural(figures.srs_cards, 'card')} exported by srs, matched by card (no card created). "
        f"Reviews from Anki: {figures.merged:,} added to the log of {plural(figures.merged_cards, 'card')}"
        + (f" ({figures.merged_retired:,} retired in srs)" if figures.merged_retired else "")
        + f", {figures.merged_known:,} already known."
    ]
    if figures.unmatched:
        lines.append(f"Skipped {plural(figures.unmatched, 'Anki card')} of srs notes whose srs card no longer exists.")
    if figures.edited:
        lines.append(
            f"Not written back: {plural(len(figures.edited), 'note')} edited in Anki since the export "
            "(the Markdown is the source of text; edit it there):"
        )
        lines.extend(f"  {where}" for where in figures.edited)
    return lines
