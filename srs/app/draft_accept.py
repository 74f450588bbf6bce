"""Going through the drafts: accept, edit, reject each, accept all grounded, suspend the card of
a note with nothing to recall; then writing the accepted cards into the notes.

The loop (:func:`choose`) is independent of how keys arrive and how the screen is drawn, as
the review session is: :class:`TerminalKeys` reads one key press per action, :class:`LineKeys`
one word per line of a pipe (scripts and tests). :func:`apply` writes the accepted pairs into
their files (:mod:`srs.app.draft_writeback`), or only returns the diff for ``--dry-run``.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol

from srs.app.draft import NoteDrafts, check_draft
from srs.app.draft_writeback import Addition, NoteText, WriteBackError, add_cards, unified_diff, write_note_file
from srs.domain.draft_protocol import Pair
from srs.domain.parsed import BASIC
from srs.domain.parser import parse_markdown
from srs.errors import SrsError
from srs.store.queue import suspend_card


class Choice(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    EDIT = "edit"
    ALL = "all"  # accept every grounded draft of this note, go to the next note
    SUSPEND = "suspend"  # suspend the note's own card (nothing to recall), next note
    NEXT = "next"  # leave the rest of this note undecided (not written), next note
    QUIT = "quit"
    OTHER = "other"


KEY_HELP = "a accept  r reject  e edit  g accept all grounded  s suspend note's card  Enter next note  q quit"
_KEYS = {"a": Choice.ACCEPT, "y": Choice.ACCEPT, "r": Choice.REJECT, "x": Choice.REJECT, "e": Choice.EDIT,
         "g": Choice.ALL, "s": Choice.SUSPEND, "\r": Choice.NEXT, "\n": Choice.NEXT, "n": Choice.NEXT, "q": Choice.QUIT}
_WORDS = {**{k: v for k, v in _KEYS.items() if k.isalpha()}, **{c.value: c for c in Choice if c != Choice.OTHER}}


class KeySource(Protocol):
    def read(self) -> Choice: ...


class TerminalKeys:
    """One key press per choice (the command passes click's ``getchar``, tests their own); Ctrl-C, Ctrl-D quit."""
    def __init__(self, getchar: Callable[[], str]) -> None:
        self._getchar = getchar

    def read(self) -> Choice:
        try:
            char = self._getchar()
        except (KeyboardInterrupt, EOFError):
            return Choice.QUIT
        if char in ("\x03", "\x04", "\x1b"):
            return Choice.QUIT
        return _KEYS.get(char.lower() if len(char) == 1 else "", Choice.OTHER)


class LineKeys:
    """One choice per line (``a``/``accept``, ``r``, ``e``, ``g``/``all``, ``s``, ``n``/``next``,
    ``q``); blank lines and ``#`` comments are skipped; the end of input quits. An unknown word
    is an error, so a script that lost its place stops instead of accepting the wrong card."""
    def __init__(self, stream: IO[str], name: str = "stdin") -> None:
        self._stream, self._name, self._line = stream, name, 0

    def read(self) -> Choice:
        while True:
            text = self._stream.readline()
            if not text:
                return Choice.QUIT
            self._line += 1
            word = text.strip().lower()
            if not word or word.startswith("#"):
                continue
            if word not in _WORDS:
                raise SrsError(f"unknown choice {word!r} (one per line: {', '.join(sorted(w for w in _WORDS if len(w) > 1))})", path=self._name, line=self._line)
            return _WORDS[word]


class Screen(Protocol):
    def show(self, index: int, total: int, item: NoteDrafts, state: list[str], current: int | None) -> None: ...

    def notice(self, text: str) -> None: ...


@dataclass
class Decisions:
    accepted: dict[int, list[Pair]] = field(default_factory=dict)  # index in the results -> pairs
    suspend: list[int] = field(default_factory=list)  # indexes of notes whose card is suspended


Editor = Callable[[Pair], Pair | None]


def edit_in_editor(command: list[str], pair: Pair, run: Callable[..., Any] | None = None) -> Pair | None:
    """Open ``question::answer`` in the editor; the edited line as a pair (None: left empty
    or not one ``Q::A`` line)."""
    from srs.app.editor import launch_editor

    with tempfile.TemporaryDirectory(prefix="srs-draft-") as folder:
        path = Path(folder, "card.md")
        path.write_text(f"{pair.question}::{pair.answer}\n\n<!-- Edit the card as question::answer on one line. -->\n", encoding="utf-8")
        launch_editor(command, path, 1, *([run] if run else []))
        cards = [c for c in parse_markdown(path.read_text(encoding="utf-8"), "card.md").cards]
    if len(cards) != 1 or cards[0].kind != BASIC:
        return None
    return Pair(cards[0].question, cards[0].back)


def _note_choices(place: tuple[int, int, int], item: NoteDrafts, keys: KeySource, screen: Screen, editor: Editor, decisions: Decisions) -> bool:
    """Decide one note's drafts (``place``: its index in the results, its position on screen
    and the number of notes shown); False when the user quits."""
    index, position, total = place
    state = ["" for _ in item.drafts]
    current: int | None = 0 if item.drafts else None
    while True:
        screen.show(position, total, item, state, current)
        choice = keys.read()
        if choice == Choice.QUIT:
            _keep(decisions, index, item, state)
            return False
        if choice == Choice.SUSPEND:
            decisions.suspend.append(index)
            _keep(decisions, index, item, state)
            return True
        if choice == Choice.NEXT or (choice == Choice.ALL and current is None):
            _keep(decisions, index, item, state)
            return True
        if choice == Choice.ALL:
            state = ["accepted" if s == "accepted" or (not s and d.acceptable) else (s or "rejected") for s, d in zip(state, item.drafts)]
            _keep(decisions, index, item, state)
            return True
        if current is None or choice == Choice.OTHER:
            continue
        if choice == Choice.EDIT:
            edited = editor(item.drafts[current].pair)
            if edited is None:
                screen.notice("not one question::answer line: the draft is unchanged")
                continue
            item.drafts[current] = check_draft(edited, item.note.card.back)
            choice = Choice.ACCEPT
        state[current] = "accepted" if choice == Choice.ACCEPT else "rejected"
        current = next((i for i, s in enumerate(state) if not s), None)
        if current is None:
            _keep(decisions, index, item, state)
            return True


def _keep(decisions: Decisions, index: int, item: NoteDrafts, state: list[str]) -> None:
    pairs = [d.pair for d, s in zip(item.drafts, state) if s == "accepted"]
    if pairs:
        decisions.accepted[index] = pairs


def choose(results: list[NoteDrafts], keys: KeySource, screen: Screen, editor: Editor) -> Decisions:
    """Ask about every note with drafts or with nothing to recall, in order."""
    decisions = Decisions()
    shown = [i for i, r in enumerate(results) if r.failure is None]
    for position, index in enumerate(shown, 1):
        if not _note_choices((index, position, len(shown)), results[index], keys, screen, editor, decisions):
            break
    return decisions


def accept_grounded(results: list[NoteDrafts]) -> Decisions:
    """Every draft with no problem (grounded, short, writable): ``--accept-grounded``."""
    decisions = Decisions()
    for index, item in enumerate(results):
        pairs = [d.pair for d in item.drafts if d.acceptable]
        if pairs:
            decisions.accepted[index] = pairs
    return decisions


@dataclass
class Applied:
    diffs: list[str] = field(default_factory=list)
    written: list[tuple[str, int, str]] = field(default_factory=list)  # display, cards, backup
    suspended: list[NoteDrafts] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def apply(results: list[NoteDrafts], decisions: Decisions, *, collection: Any, now: datetime, dry_run: bool, backup_dir: Path) -> Applied:
    """Write the accepted cards (a diff only with ``dry_run``), suspend the chosen cards."""
    applied = Applied()
    files: dict[str, list[int]] = {}
    for index in sorted(decisions.accepted):
        files.setdefault(results[index].note.path, []).append(index)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for path, indexes in files.items():
        display = results[indexes[0]].note.display
        additions = [Addition(results[i].note.card, tuple(decisions.accepted[i])) for i in indexes]
        try:
            raw = Path(path).read_bytes()
            before = NoteText.decode(raw)
            after = add_cards(path, before, additions)
            applied.diffs.append(unified_diff(display, before, after))
            if not dry_run:
                backup = backup_dir / stamp / (Path(path).name + "." + hashlib.sha1(path.encode()).hexdigest()[:8] + ".bak")
                write_note_file(Path(path), raw, after.encode(), backup)
                applied.written.append((display, sum(len(a.pairs) for a in additions), str(backup)))
        except (OSError, UnicodeDecodeError) as error:
            applied.problems.append(f"{display}: cannot read ({getattr(error, 'strerror', None) or error}); nothing written")
        except WriteBackError as error:
            where = f"{display}:{error.line}" if error.line else display
            applied.problems.append(f"{where}: {error.message}; nothing written to this file")

    for index in decisions.suspend:
        if not dry_run:
            suspend_card(collection, results[index].note.card_id, now=now)
        applied.suspended.append(results[index])
    return applied
