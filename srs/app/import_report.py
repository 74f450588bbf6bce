"""What ``srs import`` reports: problems, tasks, cards that are not cards, deck and card changes, per-deck counts
(:class:`ImportReport`, with ``to_json``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from srs.domain.parsed import NOT_CARDS, PENDING, SKIPPED
from srs.text import plural


@dataclass(frozen=True, slots=True)
class Problem:
    """A file or part of a file that was skipped, or read with a warning."""

    path: str
    line: int | None
    reason: str
    kind: str = SKIPPED  # SKIPPED or WARNING

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class TaskItem:
    path: str
    line: int
    task: str
    deck: str


@dataclass(frozen=True, slots=True)
class NotCard:
    """A section or task that is not a card: ``reference_only`` or ``too_long``."""

    kind: str
    path: str
    line: int
    what: str  # the section's context, or "section of N characters: ..."
    deck: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


@dataclass(frozen=True, slots=True)
class DeckChange:
    """Cards of deck ``old`` now in deck ``new`` (history kept): renamed, or merged when
    several old decks went into one."""

    old: str
    new: str
    cards: int
    merged: bool

    def __str__(self) -> str:
        verb = "merged into" if self.merged else "renamed"
        return f"deck {self.old} {verb} {self.new}: {plural(self.cards, 'card')}, history kept"


@dataclass(frozen=True, slots=True)
class CardChange:
    change: str  # new, updated, moved, revived, retired
    deck: str
    path: str | None
    line: int | None
    front: str


@dataclass(slots=True)
class DeckCounts:
    new: int = 0
    updated: int = 0
    moved: int = 0
    revived: int = 0
    unchanged: int = 0
    retired: int = 0
    skipped: int = 0
    pending: int = 0
    nothing_to_recall: int = 0

    def add(self, other: DeckCounts) -> None:
        for name in self.__slots__:  # type: ignore[attr-defined]
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class ImportReport:
    roots: list[str] = field(default_factory=list)
    dry_run: bool = False
    decks: dict[str, DeckCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    pending: list[TaskItem] = field(default_factory=list)
    nothing_to_recall: list[TaskItem] = field(default_factory=list)
    not_cards: list[NotCard] = field(default_factory=list)
    deck_changes: list[DeckChange] = field(default_factory=list)
    vaults: list[str] = field(default_factory=list)  # Obsidian vaults whose card syntax was used
    cwd: str = ""
    changes: list[CardChange] = field(default_factory=list)
    files_found: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    wrote: bool = False

    def deck(self, name: str) -> DeckCounts:
        counts = self.decks.get(name)
        if counts is None:
            counts = self.decks[name] = DeckCounts()
        return counts

    def add_tasks(self, display: str, tasks: Iterable[Sequence[Any]]) -> None:
        """One file's tasks that are not cards (``[kind, line, text, deck]`` each, as stored in
        ``Source.tasks``): pending ones, done ones with nothing to recall, and the sections and
        tasks that are not cards, each in its list and counted in its deck. A re-import of an
        unchanged tree adds tens of thousands of them: each deck's counts are looked up once."""
        decks: dict[str, DeckCounts] = {}
        for kind, line, text, deck in tasks:
            counts = decks.get(deck)
            if counts is None:
                counts = decks[deck] = self.deck(deck)  # listed in the report even for a file of not-cards only
            if kind in NOT_CARDS:
                self.not_cards.append(NotCard(kind, display, line, text, deck))
            elif kind == PENDING:
                counts.pending += 1
                self.pending.append(TaskItem(display, line, text, deck))
            else:
                counts.nothing_to_recall += 1
                self.nothing_to_recall.append(TaskItem(display, line, text, deck))

    @property
    def totals(self) -> DeckCounts:
        total = DeckCounts()
        for counts in self.decks.values():
            total.add(counts)
        return total

    @property
    def changed(self) -> bool:
        total = self.totals
        return bool(total.new or total.updated or total.moved or total.revived or total.retired)

    def __str__(self) -> str:
        """A one-line summary: ``2 new, 1 updated, 14 unchanged``."""
        total = self.totals
        parts = [
            f"{value} {label}"
            for label, value in (
                ("new", total.new),
                ("updated", total.updated),
                ("moved", total.moved),
                ("revived", total.revived),
                ("retired", total.retired),
                ("unchanged", total.unchanged),
                ("skipped", total.skipped),
                ("pending tasks", total.pending),
            )
            if value
        ]
        return ", ".join(parts) if parts else "nothing to import"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "roots": self.roots,
            "files": {
                "found": self.files_found,
                "read": self.files_read,
                "unchanged": self.files_unchanged,
                "removed": self.files_removed,
            },
            "decks": {name: asdict(counts) for name, counts in sorted(self.decks.items())},
            "totals": asdict(self.totals),
            "problems": [{"path": p.path, "line": p.line, "reason": p.reason, "kind": p.kind} for p in self.problems],
            "pending": [asdict(item) for item in self.pending],
            "nothing_to_recall": [asdict(item) for item in self.nothing_to_recall],
            "not_cards": {kind: [asdict(item) for item in self.not_cards if item.kind == kind] for kind in NOT_CARDS},
            "deck_changes": [asdict(change) for change in self.deck_changes],
            "vaults": self.vaults,
            "changes": [asdict(change) for change in self.changes],
        }
