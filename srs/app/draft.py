"""``srs draft``: which notes to draft from, asking the model (cached, retried, in parallel),
and checking what comes back.

The notes are the task and section cards of the collection (the last imports' notes that hold
no explicit card yet; see :func:`srs.store.drafts.draftable_cards`), narrowed to PATHs and to
a query, each read again from its file (a note whose file changed since the import is
reported, not drafted). Each note gets one request; a reply that is malformed
(:class:`srs.domain.draft_protocol.MalformedReply`) or a failed request is asked once more, then the
note is skipped with a reason. Valid replies are cached by model, prompt and note text in
the drafts folder (:func:`draft_dir`), so a re-run on unchanged notes asks nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from srs.app.draft_writeback import card_line
from srs.domain.card_keys import card_key
from srs.domain.draft_protocol import PROMPT_VERSION, REPLY_SCHEMA, MalformedReply, Pair, build_prompt, read_reply
from srs.domain.grounding import Grounding, ground
from srs.domain.parsed import ParsedCard
from srs.domain.parser import parse_markdown
from srs.errors import SrsError
from srs.files import replaced_atomically
from srs.store.drafts import draftable_cards

DRAFT_DIR_VAR = "SRS_DRAFT_DIR"  # where the cache and the backups of edited notes go
ATTEMPTS = 2  # a malformed reply or a failed request is asked once more
MAX_ANSWER = 200  # characters: an atomic card's answer is short


class Model(Protocol):
    model_id: str

    def complete(self, system: str, prompt: str, schema: dict[str, Any] | None) -> str: ...


def draft_dir() -> Path:
    """``$SRS_DRAFT_DIR``, else ``drafts`` in the user's data directory."""
    value = os.environ.get(DRAFT_DIR_VAR, "").strip()
    if value:
        return Path(value).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("srs", appauthor=False)) / "drafts"


@dataclass(frozen=True)
class Note:
    """A task or section card and the note it came from, as the file says now."""
    card_id: int
    path: str  # absolute, as stored
    display: str
    card: ParsedCard

    @property
    def line(self) -> int:
        return self.card.line


@dataclass
class Draft:
    pair: Pair
    grounding: Grounding
    problems: list[str] = field(default_factory=list)  # why it is not accepted by default

    @property
    def acceptable(self) -> bool:
        return not self.problems


def check_draft(pair: Pair, note_text: str) -> Draft:
    """A draft with its grounding and every reason not to accept it by default."""
    grounding = ground(pair.answer, note_text)
    problems = []
    if not grounding.grounded:
        problems.append("not in the note" + (f" ({', '.join(grounding.missing[:5])})" if grounding.missing else ""))
    if len(pair.answer) > MAX_ANSWER:
        problems.append(f"answer too long for one card ({len(pair.answer)} characters)")
    if card_line(pair) is None:
        problems.append("cannot be written as one Q::A line")
    return Draft(pair, grounding, problems)


@dataclass
class NoteDrafts:
    note: Note
    drafts: list[Draft] = field(default_factory=list)
    failure: str | None = None  # why the note got no drafts (after the retry)
    cached: bool = False
    requests: int = 0

    @property
    def nothing_to_recall(self) -> bool:
        return self.failure is None and not self.drafts


@dataclass
class Selection:
    notes: list[Note]
    problems: list[str]  # "path:line: reason" for notes that cannot be drafted


def _display(path: str, cwd: Path) -> str:
    try:
        return os.path.relpath(path, cwd) if Path(path).is_relative_to(cwd) else path
    except ValueError:
        return path


def _wanted(path: str, filters: Sequence[Path]) -> bool:
    return not filters or any(path == str(f) or Path(path).is_relative_to(f) for f in filters)


def select_notes(collection: Any, paths: Sequence[str | os.PathLike[str]], query: str | None, cwd: Path) -> Selection:
    """The notes to draft: stored task and section cards under ``paths`` whose front or note
    text holds ``query`` (case-insensitive), each found again in its file by its key."""
    filters = [Path(os.path.realpath(Path(cwd, p).expanduser())) for p in paths]
    with collection.read() as session:
        rows = [r for r in draftable_cards(session) if _wanted(r.source_path, filters)]
    notes: list[Note] = []
    problems: list[str] = []
    by_file: dict[str, dict[str, ParsedCard]] = {}
    for row in rows:
        display = _display(row.source_path, cwd)
        if row.source_path not in by_file:
            try:
                text = Path(row.source_path).read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError) as error:
                problems.append(f"{display}: cannot read ({getattr(error, 'strerror', None) or error})")
                by_file[row.source_path] = {}
                continue
            parsed = parse_markdown(text, row.source_path)
            by_file[row.source_path] = {card_key(row.source_path, c): c for c in parsed.cards}
        card = by_file[row.source_path].get(row.key)
        if card is None:
            if by_file[row.source_path] or Path(row.source_path).exists():
                problems.append(f"{display}:{row.source_line or 0}: changed since the last import (run srs import first)")
            continue
        if query and query.casefold() not in (card.front + "\n" + card.back).casefold():
            continue
        notes.append(Note(row.id, row.source_path, display, card))
    return Selection(notes, problems)


class DraftCache:
    """Valid replies by model, prompt version and prompt: one small JSON file each."""
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def key(model_id: str, system: str, prompt: str) -> str:
        return hashlib.sha256(json.dumps([PROMPT_VERSION, model_id, system, prompt], ensure_ascii=False).encode()).hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[Pair] | None:
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            return [Pair(str(q), str(a)) for q, a in data["cards"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or damaged: ask again

    def put(self, key: str, model_id: str, pairs: list[Pair]) -> None:
        target = self._file(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with replaced_atomically(target, what="the draft cache") as temporary:
                data = {"model": model_id, "cards": [[p.question, p.answer] for p in pairs]}
                temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        except (OSError, SrsError):
            pass  # a cache that cannot be written only costs a request next time


def _ask(model: Model, note: Note, cache: DraftCache | None) -> NoteDrafts:
    system, prompt = build_prompt(note.card.front, note.card.back)
    key = DraftCache.key(model.model_id, system, prompt)
    result = NoteDrafts(note)
    pairs = cache.get(key) if cache is not None else None
    result.cached = pairs is not None
    reason = ""
    while pairs is None and result.requests < ATTEMPTS:
        result.requests += 1
        try:
            pairs = read_reply(model.complete(system, prompt, REPLY_SCHEMA), note.card.back)
        except (MalformedReply, SrsError) as error:
            reason = str(error)
    if pairs is None:
        result.failure = f"no usable reply after {ATTEMPTS} tries: {reason}"
        return result
    if cache is not None and not result.cached:
        cache.put(key, model.model_id, pairs)
    result.drafts = [check_draft(pair, note.card.back) for pair in pairs]
    return result


def draft_notes(
    model: Model,
    notes: Sequence[Note],
    *,
    cache: DraftCache | None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[NoteDrafts]:
    """Drafts for every note, in the order given; ``jobs`` requests at once."""
    results: list[NoteDrafts | None] = [None] * len(notes)
    done = 0
    if progress is not None:
        progress(0, len(notes))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_ask, model, note, cache): index for index, note in enumerate(notes)}
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += 1
            if progress is not None:
                progress(done, len(notes))
    return [r for r in results if r is not None]
