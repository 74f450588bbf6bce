"""``srs sources``: the imported files and folders, and forgetting one (its cards retired, history kept)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from srs.app.import_files import _deepest_root, _Root
from srs.errors import NotFoundError
from srs.store import imports as q
from srs.text import plural


@dataclass(frozen=True, slots=True)
class SourceInfo:
    path: str
    deck: str | None
    files: int
    cards: int
    added_at: datetime
    last_import_at: datetime | None
    exists: bool


def list_sources(collection: Any) -> list[SourceInfo]:
    """The remembered roots, with their number of files and active cards."""
    with collection.read() as session:
        summaries = q.root_summaries(session)
    return [
        SourceInfo(s.root.path, s.root.deck, s.files, s.cards, s.root.added_at, s.root.last_import_at, os.path.exists(s.root.path))
        for s in summaries
    ]


@dataclass(frozen=True, slots=True)
class RemovedSource:
    path: str
    files: int
    retired: int
    kept: int  # files that also sit under another root and stay imported through it

    def __str__(self) -> str:
        text = f"Forgot {self.path}: {plural(self.files, 'file')}, {plural(self.retired, 'card')} retired"
        if self.kept:
            text += f" ({plural(self.kept, 'file')} stay under another imported folder)"
        if self.retired:
            text += ". Their review history is kept: importing the path again brings them back."
        return text


def remove_source(collection: Any, path: str | os.PathLike[str], *, now: datetime) -> RemovedSource:
    """Forget a root: a bare ``srs import`` no longer rescans it and its cards are retired."""
    given = Path(os.fspath(path)).expanduser()
    candidates = {str(given.absolute()), os.path.realpath(given), os.path.normpath(given.absolute())}

    def action(session: Any) -> RemovedSource:
        roots = q.load_roots(session)
        root = next((row for row in roots if row.path in candidates), None)
        if root is None:
            known = ", ".join(row.path for row in roots) or "none yet"
            raise NotFoundError(f"{os.fspath(path)}: not an imported file or folder (imported: {known})")
        others = [_Root(Path(row.path), row.deck, row.id) for row in roots if row.id != root.id]
        owned = q.sources_of_root(session, root.id)
        moves: list[tuple[int, int | None]] = []
        dropped: list[int] = []
        for source in owned:
            other = _deepest_root(Path(source.path), others)
            if other is not None:
                moves.append((source.id, other.id))
            else:
                dropped.append(source.id)
        retired = q.retire_cards_of_sources(session, dropped, now)
        q.set_source_roots(session, moves)
        q.delete_sources(session, dropped)
        q.delete_root(session, root.id)
        return RemovedSource(root.path, len(owned), retired, len(moves))

    return collection.transact(action)
