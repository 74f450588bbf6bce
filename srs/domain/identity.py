"""Which stored card is which parsed card, so that editing notes never resets a history.

Pure: no I/O, no database. Nothing is ever written into the user's notes; a card is
recognised from where it is and what it says.

**Card.key**, the location key: ``kind ␟ variant ␟ digest(file) ␟ digest(heading path) ␟
occurrence ␟ question`` (␟ is U+001F). ``file`` is the absolute path of the source file,
``heading path`` the headings above the card (and, for a task, the list items it is nested
in), ``question`` the task text, section heading, question side or cloze note text with
whitespace squashed, ``variant`` the cloze number or overlap step, and ``occurrence`` counts
repeats of the same card in one file. Long questions and variants are kept as a 160-character
excerpt plus a digest, so a key stays well under PostgreSQL's index-entry limit; the excerpt
is what a similarity match compares.

**Card.note_key**: ``digest(file ␟ note)``, where the parser's ``note`` names the task,
section, ``Q:::A`` pair, ``?``/``??`` block or cloze note a card comes from: cards sharing it
are siblings (buried together in review).

**Card.content_hash**: SHA-256 of ``kind, variant, question, back`` (plus the heading path
for tasks and sections, whose meaning depends on the week or section they sit in). It does
not depend on the file or the note's title, so identical content found in another file is
recognised as moved.

Matching, in order (each stored card matches at most one parsed card):

1. **Same key** -> unchanged, or updated if the front, back, deck, tags or siblings changed.
   Where one file repeats a card (same question under the same headings, told apart by the
   occurrence number), a repeat whose content is unchanged keeps its own card first, so
   reordering or deleting one repeat never hands a history to another.
2. **Similar card in the same file** (same kind and variant, stored card not matched in
   step 1), weighing the card's own text first and its heading path second (:func:`_score`):
   the same question and answer is the same card whatever happened to the headings above it
   (renamed, shortened, lengthened, translated, a week's dates changed); otherwise, under
   headings at least :data:`HEADING_THRESHOLD` (0.8) similar, :func:`similarity` of the
   questions at least :data:`QUESTION_THRESHOLD` (0.8), or
   :data:`QUESTION_THRESHOLD_SAME_ANSWER` (0.6) when the back is unchanged; under headings
   changed more, a question at least 0.8 similar with the same answer, or the same question
   with an answer at least 0.8 similar -> updated. Best pairs first.
   A ``==highlight==`` cloze's variant is its deleted text: a typo fixed there keeps the card
   when the old and new deleted texts are at least :data:`CLOZE_TEXT_THRESHOLD` (0.6) similar.
3. **Same content elsewhere** (same kind and content hash) among the cards of this import's
   files that were not matched, cards whose file is gone, and retired cards -> moved (another
   file), revived (it was retired) or updated (same file, new place in it).
4. **Similar question in a vanished file** (a file renamed and edited in the same week): the
   cards still unmatched, against the active cards of this import's files that now give no
   card at all (deleted or renamed), by the rules of step 2 -> moved. Skipped when it would
   compare more than :data:`MAX_VANISHED_PAIRS` pairs.
5. The rest: parsed cards are **new**; stored cards of the files read (or deleted) that were
   not matched are **retired** (kept with their history, never shown in review).

A retired card matched by any step is **revived** with its history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from srs.domain.card_keys import card_key, content_hash, fingerprint, key_question, key_variant, note_key, repeat_key, tags_text
from srs.domain.parser import ParsedCard, heading_text

QUESTION_THRESHOLD = 0.8
QUESTION_THRESHOLD_SAME_ANSWER = 0.6
HEADING_THRESHOLD = 0.8
CLOZE_TEXT_THRESHOLD = 0.6
MAX_VANISHED_PAIRS = 250_000  # step 4 compares at most this many pairs (a few seconds at worst)


class Change(StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"
    UPDATED = "updated"
    MOVED = "moved"
    REVIVED = "revived"


class _Keyed:
    """The question and variant a card key holds (shared by incoming and stored cards)."""

    __slots__ = ()
    key: str

    @property
    def question(self) -> str:
        return key_question(self.key)

    @property
    def variant(self) -> str:
        return key_variant(self.key)


@dataclass(frozen=True, slots=True)
class Incoming(_Keyed):
    """A parsed card placed in its file and deck, ready to be matched (and small: large
    imports hold tens of thousands of these)."""

    key: str
    note_key: str
    kind: str
    source_path: str
    heading_path: str
    front: str
    back: str
    line: int
    content_hash: str
    fingerprint: str
    deck: str
    tags: str


def incoming(source_path: str, card: ParsedCard, *, deck: str, tags: Iterable[str], headings: dict[str, str] | None = None) -> Incoming:
    """``card`` placed in ``source_path`` and ``deck``. ``headings`` (one dict per file) shares
    the heading-path strings between the cards of a file."""
    heading = heading_text(card.heading_path)
    if headings is not None:
        heading = headings.setdefault(heading, heading)
    key = card_key(source_path, card, heading)
    siblings = note_key(source_path, card)
    tag_string = tags_text(tags)
    return Incoming(
        key=key,
        note_key=siblings,
        kind=card.kind,
        source_path=source_path,
        heading_path=heading,
        front=card.front,
        back=card.back,
        line=card.line,
        content_hash=content_hash(card, heading),
        fingerprint=fingerprint(key=key, note_key=siblings, front=card.front, back=card.back, deck=deck, tags=tag_string, heading_path=heading),
        deck=deck,
        tags=tag_string,
    )


@dataclass(frozen=True, slots=True)
class Stored(_Keyed):
    """What matching needs of a stored card."""

    id: int
    key: str
    kind: str
    source_path: str | None
    source_line: int | None
    heading_path: str
    back: str
    content_hash: str
    fingerprint: str
    retired: bool


@dataclass(frozen=True, slots=True)
class Match:
    incoming: Incoming
    stored: Stored | None
    change: Change
    how: str  # "key", "similar", "content" or "" for new cards


@dataclass(frozen=True, slots=True)
class Matching:
    matches: list[Match]  # one per incoming card, in the incoming order
    retired: list[Stored]  # active local cards that matched nothing


def similarity(a: str, b: str) -> float:
    """difflib's ratio (2 * matching characters / total characters), 1.0 for equal strings."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < QUESTION_THRESHOLD_SAME_ANSWER or matcher.quick_ratio() < QUESTION_THRESHOLD_SAME_ANSWER:
        return matcher.quick_ratio()
    return matcher.ratio()


def _classify(new: Incoming, old: Stored) -> Change:
    if old.retired:
        return Change.REVIVED
    if old.source_path != new.source_path:
        return Change.MOVED
    if old.fingerprint == new.fingerprint and old.content_hash == new.content_hash:
        return Change.UNCHANGED
    return Change.UPDATED


def _same_variant(new: str, old: str) -> bool:
    """Equal variants, or two highlight clozes (``=text``) whose deleted texts are alike."""
    if new == old:
        return True
    return new[:1] == old[:1] == "=" and similarity(new[1:], old[1:]) >= CLOZE_TEXT_THRESHOLD


def _score(new: Incoming, old: Stored) -> float:
    """How surely ``old`` is ``new`` edited: the card's own text (question, then answer) first,
    the heading path second. 0 for no match; above 1 when the own text is unchanged."""
    if not _same_variant(new.variant, old.variant):
        return 0.0
    same_answer = bool(new.back.strip()) and new.back.strip() == old.back.strip()
    same_heading = new.heading_path == old.heading_path
    if same_answer and new.question == old.question:
        # Only a heading above it was renamed, shortened, lengthened, translated or re-dated:
        # always the same card; the heading path only ranks the candidates.
        return 1.0 + (1.0 if same_heading else similarity(new.heading_path, old.heading_path))
    near_heading = same_heading or similarity(new.heading_path, old.heading_path) >= HEADING_THRESHOLD
    score = similarity(new.question, old.question)
    if near_heading:
        threshold = QUESTION_THRESHOLD_SAME_ANSWER if same_answer else QUESTION_THRESHOLD
        return score if score >= threshold else 0.0
    # The heading path changed a lot: the own text must carry the match on its own.
    if same_answer:
        return score if score >= QUESTION_THRESHOLD else 0.0
    if new.question == old.question and new.back.strip() and similarity(new.back.strip(), old.back.strip()) >= QUESTION_THRESHOLD:
        return QUESTION_THRESHOLD  # same question, answer lightly edited
    return 0.0


def match_cards(incoming_cards: Sequence[Incoming], local: Sequence[Stored], elsewhere: Sequence[Stored] = ()) -> Matching:
    """Match parsed cards with stored ones (see the module docstring for the rules).

    ``local``: every stored card (retired ones too) of the files read or deleted in this
    import; the active ones left unmatched are retired. ``elsewhere``: other stored cards
    that may have moved here or come back (retired cards, cards whose file is gone); they
    are never retired by this matching.
    """
    result: list[Match | None] = [None] * len(incoming_cards)
    used: set[int] = set()

    # 1. Same location key. Where a file repeats a card, unchanged content decides first:
    # (a) same key and content, (b) another repeat with this content, (c) same key.
    by_key = {card.key: card for card in local}

    def take(index: int, old: Stored) -> None:
        used.add(old.id)
        result[index] = Match(incoming_cards[index], old, _classify(incoming_cards[index], old), "key")

    for index, new in enumerate(incoming_cards):
        old = by_key.get(new.key)
        if old is not None and old.content_hash == new.content_hash and old.id not in used:
            take(index, old)
    twins: dict[tuple[str, str], list[Stored]] = defaultdict(list)
    for old in local:
        if old.id not in used:
            twins[(repeat_key(old.key), old.content_hash)].append(old)
    for index, new in enumerate(incoming_cards):
        if result[index] is None:
            found = [old for old in twins.get((repeat_key(new.key), new.content_hash), ()) if old.id not in used]
            if found:
                take(index, min(found, key=lambda old: (old.retired, old.id)))
    for index, new in enumerate(incoming_cards):
        old = by_key.get(new.key)
        if result[index] is None and old is not None and old.id not in used:
            take(index, old)

    def pair_similar(indices: Iterable[int], olds: Sequence[Stored]) -> None:
        """Match the most similar pairs first (ties: the nearest line), each card once."""
        pairs = []
        for index in indices:
            new = incoming_cards[index]
            for old in olds:
                score = _score(new, old)
                if score > 0:
                    pairs.append((-score, abs((old.source_line or 0) - new.line), index, old.id, old))
        pairs.sort(key=lambda pair: pair[:4])
        for _neg, _distance, index, old_id, old in pairs:
            if result[index] is None and old_id not in used:
                used.add(old_id)
                new = incoming_cards[index]
                change = _classify(new, old)
                result[index] = Match(new, old, Change.UPDATED if change is Change.UNCHANGED else change, "similar")

    # 2. A similar question in the same file.
    waiting: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, new in enumerate(incoming_cards):
        if result[index] is None:
            waiting[(new.source_path, new.kind)].append(index)
    if not any(old.id not in used for old in local):
        waiting.clear()  # nothing left to pair with (a first import)
    if waiting:
        candidates: dict[tuple[str, str], list[Stored]] = defaultdict(list)
        for old in local:
            if old.id not in used and old.source_path is not None:
                group = (old.source_path, old.kind)
                if group in waiting:
                    candidates[group].append(old)
        for group, olds in candidates.items():
            pair_similar(waiting[group], olds)

    # 3. The same content somewhere else (moved, or back after being retired).
    pool: dict[tuple[str, str], list[Stored]] = defaultdict(list)
    for old in list(local) + list(elsewhere):
        if old.id not in used:
            pool[(old.kind, old.content_hash)].append(old)
    if pool:
        for index, new in enumerate(incoming_cards):
            if result[index] is not None:
                continue
            olds = [old for old in pool.get((new.kind, new.content_hash), ()) if old.id not in used]
            if not olds:
                continue
            # Prefer a card from the same file, then an active one, then the lowest id.
            old = min(olds, key=lambda o: (o.source_path != new.source_path, o.retired, o.id))
            used.add(old.id)
            change = _classify(new, old)
            result[index] = Match(new, old, Change.UPDATED if change is Change.UNCHANGED else change, "content")

    # 4. A similar question in a file that has no card any more (renamed and edited at once).
    present = {new.source_path for new in incoming_cards}
    vanished: dict[str, list[Stored]] = defaultdict(list)
    for old in local:
        if old.id not in used and not old.retired and old.source_path not in present:
            vanished[old.kind].append(old)
    if vanished:
        left: dict[str, list[int]] = defaultdict(list)
        for index, new in enumerate(incoming_cards):
            if result[index] is None and new.kind in vanished:
                left[new.kind].append(index)
        for kind, indices in left.items():
            if len(indices) * len(vanished[kind]) <= MAX_VANISHED_PAIRS:
                pair_similar(indices, vanished[kind])

    matches = [match if match is not None else Match(incoming_cards[i], None, Change.NEW, "") for i, match in enumerate(result)]
    retired = [old for old in local if old.id not in used and not old.retired]
    return Matching(matches, retired)
