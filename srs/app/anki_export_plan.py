"""Planning ``srs export --apkg``: which srs cards make one Anki note (basic, reversed, cloze,
multi-card), their GUIDs (stable across exports, the original one for a card that came from
Anki), deck ids, fields and the media they reference."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srs.anki.cloze import ClozeCard, rebuild_cloze_note
from srs.anki.notetypes import ANKI_ORIGIN, MAX_TEMPLATES
from srs.anki.render_html import cloze_numbers, default_media_name, image_sources, markdown_to_html
from srs.text import plural

if TYPE_CHECKING:
    from srs.store.anki import ExportCard



GUID_NAMESPACE = "srs"


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
    with_scheduling: bool = True
    reviews: int = 0  # review-log rows written (with scheduling)

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
        if self.with_scheduling:
            lines.append(
                f"Scheduling included: due dates, intervals, FSRS memory states and {plural(self.reviews, 'review')} of history; "
                "deck options carry srs's FSRS parameters and desired retention (turn FSRS on in Anki's deck options)."
            )
        else:
            lines.append("Without scheduling: Anki shows every card as new.")
        lines.append(
            "Import it in Anki with File > Import; exporting again updates these notes instead of duplicating them. "
            "Bring reviews done in Anki back with srs import-anki."
        )
        return "\n".join(lines)


def note_guid(*identity: str) -> str:
    """A stable Anki GUID for an identity (genanki's base91 hash of it)."""
    import genanki

    return str(genanki.guid_for(GUID_NAMESPACE, *identity))


def srs_guid(note_type: str, cards: Sequence[ExportCard]) -> str:
    """The GUID of the Anki note of type ``note_type`` made of ``cards``: from the lowest of
    their card ids, which survive edits, heading renames and file moves (unlike keys)."""
    return note_guid(note_type, "card-id", str(min(card.id for card in cards)))


def anki_ord(card: ExportCard) -> int | None:
    """The Anki card ordinal of a card imported from Anki (key ``anki:<guid>:<ord>``), else None."""
    if card.origin != ANKI_ORIGIN or not card.note_key.startswith("anki:"):
        return None
    rest = card.key[len(card.note_key) :] if card.key.startswith(card.note_key) else ""
    return int(rest[1:]) if re.fullmatch(r":\d{1,9}", rest) else None


def original_guid(cards: Sequence[ExportCard]) -> str | None:
    """The GUID of the Anki note that all of ``cards`` were imported from (import-anki keeps
    it in the note key, ``anki:<guid>``), or None (srs's own cards, or not one Anki note)."""
    if not cards or len({card.note_key for card in cards}) != 1 or any(anki_ord(card) is None for card in cards):
        return None
    return cards[0].note_key[len("anki:") :] or None


def choose_guids(notes: Sequence[tuple[str, str | None]]) -> list[str]:
    """The GUID of each planned note, given as ``(GUID from card ids, original Anki GUID or None)``.

    Every GUID of one package is different. Notes of srs's own cards take theirs first; a
    note imported from Anki then gets its original GUID unless it is taken (its Anki note
    also came from srs and that card is in this export too), else the one from its card ids.
    """
    chosen: list[str | None] = [None] * len(notes)
    used: set[str] = set()

    def claim(index: int, candidates: Sequence[str]) -> None:
        guid = next((c for c in candidates if c not in used), candidates[-1])
        while guid in used:
            guid = note_guid(guid, "again")
        used.add(guid)
        chosen[index] = guid

    for index, (derived, original) in enumerate(notes):
        if original is None:
            claim(index, [derived])
    for index, (derived, original) in enumerate(notes):
        if original is not None:
            claim(index, [original, derived])
    return [guid for guid in chosen if guid is not None]


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
class _PlannedNote:
    """One Anki note to write, before its GUID is chosen (:func:`choose_guids`)."""
    deck: str
    model: str  # "basic", "reversed", "cloze" or "multi<N>"
    fields: list[str]
    tags: list[str]
    suspended_ords: set[int]
    guid: str  # from its card ids (srs_guid)
    original: str | None  # its Anki note's own GUID, for cards imported from Anki
    ords: tuple[tuple[int, ExportCard], ...] = ()  # Anki card ordinal -> the srs card it is


@dataclass(frozen=True)
class _ClozeExport:
    text: str  # Markdown with {{cN::...}} (or ==...==) markup
    extra: str
    suspended_ords: frozenset[int]
    ords: tuple[tuple[int, ExportCard], ...] = ()


def cloze_note(cards: Sequence[ExportCard]) -> _ClozeExport | None:
    """The Anki cloze note of a group of sibling cloze cards, or None (export them as basic).

    Cards made by srs's parser hold finished sides (``[...]`` in the front); the note text
    is rebuilt from them (:mod:`srs.anki.cloze`). Cards whose front still holds the cloze
    markup (``{{cN::...}}`` or ``==...==``) give that text directly.
    """
    ordered = sorted(cards, key=lambda c: (cloze_number(c) or 0, c.id))
    rebuilt = rebuild_cloze_note([ClozeCard(c.front, c.back, cloze_number(c)) for c in ordered])
    if rebuilt is not None:
        suspended = frozenset(n - 1 for card, n in zip(ordered, rebuilt.numbers) if card.suspended)
        return _ClozeExport(rebuilt.text, rebuilt.extra, suspended, tuple((n - 1, card) for card, n in zip(ordered, rebuilt.numbers)))
    for card in ordered:
        if cloze_numbers(card.front) or "==" in card.front:
            numbers = cloze_numbers(markdown_to_html(card.front, cloze=True))
            if numbers:
                extra = card.back if card.back.strip() != card.front.strip() else ""
                if extra and (cloze_numbers(extra) or "==" in extra):
                    extra = ""
                suspended = frozenset(n - 1 for n in numbers) if all(c.suspended for c in cards) else frozenset()
                ords = tuple((n - 1, c) for c in ordered if (n := cloze_number(c) or (numbers[0] if len(numbers) == len(ordered) == 1 else 0)))
                return _ClozeExport(card.front, extra, suspended, ords)
    return None


class _Planner:
    """Plans the Anki notes of an export, one srs note (cards sharing a note key) at a time."""
    def __init__(self, media: _Media, summary: ExportSummary) -> None:
        self.media, self.summary = media, summary
        self.planned: list[_PlannedNote] = []

    def plan(self, model: str, made_of: Sequence[ExportCard], fields: list[str], suspended_ords: set[int], original: str | None = None, ords: Sequence[tuple[int, ExportCard]] = ()) -> None:
        tags = sorted({tag for card in made_of for tag in card.tags})
        if not ords:
            ords = list(enumerate(made_of))
        self.planned.append(_PlannedNote(made_of[0].deck, model, fields, tags, suspended_ords, srs_guid(model, made_of), original, tuple(ords)))

    def basic_note(self, card: ExportCard, original: str | None = None) -> None:
        name = self.media.namer(card, [card.front, card.back])
        fields = [_field(card.front, name), markdown_to_html(card.back, media_name=name), _source_field(card)]
        self.plan("basic", [card], fields, {0} if card.suspended else set(), original)

    def reversed_note(self, card: ExportCard, reverse: ExportCard, original: str | None = None) -> None:
        name = self.media.namer(card, [card.front, card.back])
        fields = [_field(card.front, name), _field(card.back, name), _source_field(card)]
        suspended = ({0} if card.suspended else set()) | ({1} if reverse.suspended else set())
        self.plan("reversed", [card, reverse], fields, suspended, original)
        self.summary.reversed_notes += 1

    def anki_note(self, anki_cards: Sequence[ExportCard], original: str) -> bool:
        """The cards of one Anki note (import-anki) as one note with its GUID; False: cannot."""
        ordered = sorted(anki_cards, key=lambda c: anki_ord(c) or 0)
        ords = [anki_ord(c) or 0 for c in ordered]
        if len(ordered) == 1:
            self.basic_note(ordered[0], original)
        elif ords == [0, 1] and ordered[0].front == ordered[1].back and ordered[0].back == ordered[1].front:
            self.reversed_note(ordered[0], ordered[1], original)
        elif ords[-1] < MAX_TEMPLATES:
            templates = ords[-1] + 1
            fields = [""] * (2 * templates) + [_source_field(ordered[0])]
            for card, ord_ in zip(ordered, ords):
                name = self.media.namer(card, [card.front, card.back])
                fields[2 * ord_] = _field(card.front, name)
                fields[2 * ord_ + 1] = markdown_to_html(card.back, media_name=name)
            self.plan(f"multi{templates}", ordered, fields, {o for card, o in zip(ordered, ords) if card.suspended}, original, list(zip(ords, ordered)))
        else:
            return False
        return True

    def note(self, siblings: Sequence[ExportCard]) -> None:
        """The Anki notes of one srs note's cards."""
        original = original_guid(siblings)
        clozes = [c for c in siblings if c.kind == "cloze"]
        others = [c for c in siblings if c.kind != "cloze"]
        if clozes:
            found = cloze_note(clozes)
            if found is None:
                self.summary.cloze_as_basic += len(clozes)
                others.extend(clozes)
            else:
                first = clozes[0]
                name = self.media.namer(first, [found.text, found.extra])
                rendered = markdown_to_html(found.text, media_name=name, cloze=True)
                fields = [rendered, markdown_to_html(found.extra, media_name=name) if found.extra.strip() else "", _source_field(first)]
                self.plan("cloze", clozes, fields, set(found.suspended_ords), original if not others else None, found.ords)
                self.summary.cloze_notes += 1
        if original is not None and others and not clozes and self.anki_note(others, original):
            return
        forward = [c for c in others if c.kind == "basic"]
        backward = [c for c in others if c.kind == "reversed"]
        if len(forward) == 1 and len(backward) == 1:
            self.reversed_note(forward[0], backward[0])
            others = [c for c in others if c is not forward[0] and c is not backward[0]]
        for card in others:
            self.basic_note(card)


def plan_notes(cards: Sequence[ExportCard], media: _Media, summary: ExportSummary) -> list[_PlannedNote]:
    """The Anki notes of ``cards`` (rendered fields, which srs card each Anki card is), in
    export order; their GUIDs are chosen by :func:`choose_guids`."""
    groups: dict[str, list[ExportCard]] = {}
    for card in cards:
        groups.setdefault(card.note_key, []).append(card)
    planner = _Planner(media, summary)
    for siblings in groups.values():
        planner.note(siblings)
    return planner.planned
