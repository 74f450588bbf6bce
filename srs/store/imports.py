"""The import's queries: roots, sources and cards loaded in bulk, written in bulk.

Nothing here loads one ORM object per card: reads are Core selects of the needed columns
(chunked ``IN`` lists), writes are executemany inserts and primary-key updates.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Text, cast, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from srs.store.decks import get_or_create_deck
from srs.store.models import DEFAULT_PRESET_NAME, Card, Deck, ImportRoot, Preset, Setting, Source

T = TypeVar("T")
CHUNK = 500
PARSER_VERSION_KEY = "import.parser_version"


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class RootRow:
    id: int
    path: str
    deck: str | None
    added_at: datetime
    last_import_at: datetime | None


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: int
    path: str
    root_id: int | None
    size: int
    mtime_ns: int
    content_hash: str
    tasks_unknown: bool = False  # read before its tasks were stored (Source.tasks NULL): read it again


_SOURCE_COLUMNS = (Source.id, Source.path, Source.root_id, Source.size, Source.mtime_ns, Source.content_hash, Source.tasks.is_(None))


@dataclass(frozen=True, slots=True)
class CardRow:
    id: int
    key: str
    note_key: str
    kind: str
    deck: str
    source_id: int | None
    source_path: str | None
    source_line: int | None
    heading_path: str
    front: str
    back: str
    content_hash: str
    tags: str
    retired: bool


def load_roots(session: Session) -> list[RootRow]:
    rows = session.execute(
        select(ImportRoot.id, ImportRoot.path, ImportRoot.deck, ImportRoot.added_at, ImportRoot.last_import_at).order_by(ImportRoot.path)
    )
    return [RootRow(*row) for row in rows]


def add_root(session: Session, path: str, deck: str | None, now: datetime) -> int:
    result = session.execute(insert(ImportRoot).values(path=path, deck=deck, added_at=now, last_import_at=None))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update_roots(session: Session, changes: Sequence[dict[str, Any]]) -> None:
    """``changes``: dicts with ``id`` and the columns to set."""
    for change in changes:
        values = {key: value for key, value in change.items() if key != "id"}
        session.execute(update(ImportRoot).where(ImportRoot.id == change["id"]).values(**values))


def delete_root(session: Session, root_id: int) -> None:
    session.execute(delete(ImportRoot).where(ImportRoot.id == root_id))


def load_sources(session: Session) -> list[SourceRow]:
    """Every imported file (one query; a few hundred bytes per file)."""
    rows = session.execute(select(*_SOURCE_COLUMNS))
    return [SourceRow(*row) for row in rows]


_CARD_COLUMNS = (
    Card.id,
    Card.key,
    Card.note_key,
    Card.kind,
    Deck.name,
    Card.source_id,
    Card.source_path,
    Card.source_line,
    Card.heading_path,
    Card.front,
    Card.back,
    Card.content_hash,
    Card.tags,
    Card.retired_at,
)


def _card_rows(rows: Iterable[Any]) -> list[CardRow]:
    return [CardRow(*row[:13], retired=row[13] is not None) for row in rows]


def cards_of_files(session: Session, paths: Sequence[str]) -> list[CardRow]:
    """Every Markdown card (retired ones too) whose source is one of ``paths``."""
    found: list[CardRow] = []
    for part in chunks(sorted(set(paths))):
        stmt = (
            select(*_CARD_COLUMNS)
            .join(Deck, Deck.id == Card.deck_id)
            .where(Card.origin == "markdown", Card.source_path.in_(part))
        )
        found.extend(_card_rows(session.execute(stmt)))
    return found


def cards_with_content(session: Session, hashes: Sequence[str]) -> list[CardRow]:
    """Markdown cards whose content hash is one of ``hashes`` (candidates for moved/revived)."""
    found: list[CardRow] = []
    for part in chunks(sorted(set(hashes))):
        stmt = select(*_CARD_COLUMNS).join(Deck, Deck.id == Card.deck_id).where(Card.origin == "markdown", Card.content_hash.in_(part))
        found.extend(_card_rows(session.execute(stmt)))
    return found


def cards_holding_keys(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """``key -> card id`` for the cards (of any origin) that hold one of ``keys``."""
    held: dict[str, int] = {}
    for part in chunks(sorted(set(keys))):
        held.update((key, card_id) for key, card_id in session.execute(select(Card.key, Card.id).where(Card.key.in_(part))))
    return held


def has_markdown_cards(session: Session) -> bool:
    return session.scalar(select(Card.id).where(Card.origin == "markdown").limit(1)) is not None


def active_cards_per_source(session: Session, source_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """source id -> deck name -> number of active cards (one grouped query, no join).

    Only the importer sets ``Card.source_id``, so no filter on the origin is needed.
    """
    stmt = (
        select(Card.source_id, Card.deck_id, func.count())
        .where(Card.source_id.is_not(None), Card.retired_at.is_(None))
        .group_by(Card.source_id, Card.deck_id)
    )
    rows = session.execute(stmt).all()
    wanted = None if source_ids is None else set(source_ids)
    names = dict(session.execute(select(Deck.id, Deck.name)).all())
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for source_id, deck_id, count in rows:
        if wanted is None or source_id in wanted:
            name = names.get(deck_id, "?")
            counts[int(source_id)][name] = counts[int(source_id)].get(name, 0) + int(count)
    return counts


def deck_ids(session: Session, names: Iterable[str], now: datetime) -> dict[str, int]:
    """name -> id for each (normalised) deck name, creating the missing decks in one insert."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    known: dict[str, int] = {}
    for part in chunks(wanted):
        known.update({name: deck_id for deck_id, name in session.execute(select(Deck.id, Deck.name).where(Deck.name.in_(part)))})
    missing = [name for name in wanted if name not in known]
    if len(missing) <= 3:
        for name in missing:
            known[name] = get_or_create_deck(session, name, now).id
        return known
    preset_id = session.scalar(select(Preset.id).where(Preset.name == DEFAULT_PRESET_NAME))
    assert preset_id is not None, "collection has no default preset"
    session.execute(insert(Deck.__table__), [{"name": name, "preset_id": preset_id, "created_at": now} for name in missing])
    for part in chunks(missing):
        known.update({name: deck_id for deck_id, name in session.execute(select(Deck.id, Deck.name).where(Deck.name.in_(part)))})
    return known


def delete_empty_decks(session: Session, names: Iterable[str], keep: str) -> list[str]:
    """Delete the decks among ``names`` that hold no card any more (retired ones count), except
    ``keep``; returns the names deleted."""
    wanted = sorted(set(names) - {keep})
    deleted: list[str] = []
    for part in chunks(wanted):
        used = select(Card.id).where(Card.deck_id == Deck.id).exists()
        rows = session.execute(select(Deck.id, Deck.name).where(Deck.name.in_(part), ~used)).all()
        if rows:
            session.execute(delete(Deck).where(Deck.id.in_([row.id for row in rows])))
            deleted.extend(row.name for row in rows)
    return deleted


def source_tasks(session: Session, source_ids: Iterable[int]) -> dict[int, list[Any]]:
    """source id -> its stored pending and nothing-to-recall tasks (``Source.tasks``): one
    query for the files that have any, and one JSON decode of them all."""
    wanted = set(source_ids)
    as_text = cast(Source.tasks, Text)
    rows = [(i, t) for i, t in session.execute(select(Source.id, as_text).where(Source.tasks.is_not(None), as_text != "[]")) if i in wanted]
    if not rows:
        return {}
    decoded = json.loads("[" + ",".join(t for _, t in rows) + "]")
    return {source_id: tasks for (source_id, _), tasks in zip(rows, decoded)}


def insert_sources(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert new sources; returns path -> id."""
    for part in chunks(rows):
        session.execute(insert(Source), list(part))
    paths = [row["path"] for row in rows]
    ids: dict[str, int] = {}
    for part in chunks(paths):
        ids.update({path: source_id for source_id, path in session.execute(select(Source.id, Source.path).where(Source.path.in_(part)))})
    return ids


def update_sources(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk update by primary key (each dict has ``id``)."""
    if rows:
        session.execute(update(Source), list(rows))


def delete_sources(session: Session, ids: Sequence[int]) -> None:
    for part in chunks(list(ids)):
        session.execute(update(Card).where(Card.source_id.in_(part)).values(source_id=None))
        session.execute(delete(Source).where(Source.id.in_(part)))


def insert_cards(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Insert new cards, 2,000 at a time (Core executemany: no ORM bookkeeping, and the
    rows of a large import never all sit in memory at once)."""
    table = Card.__table__
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == 2000:
            session.execute(insert(table), batch)
            batch = []
    if batch:
        session.execute(insert(table), batch)


def update_cards(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk update by primary key; rows with the same set of columns are sent together."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    for group in groups.values():
        for part in chunks(group, 1000):
            session.execute(update(Card), list(part))


def parser_version(session: Session) -> Any:
    row = session.get(Setting, PARSER_VERSION_KEY)
    return None if row is None else row.value


def set_parser_version(session: Session, version: int | str) -> None:
    row = session.get(Setting, PARSER_VERSION_KEY)
    if row is None:
        session.add(Setting(key=PARSER_VERSION_KEY, value=version))
    elif row.value != version:
        row.value = version
    session.flush()


@dataclass(frozen=True, slots=True)
class RootSummary:
    root: RootRow
    files: int
    cards: int


def root_summaries(session: Session) -> list[RootSummary]:
    """Each root with its number of files and active cards (two grouped queries)."""
    roots = load_roots(session)
    files = dict(session.execute(select(Source.root_id, func.count()).group_by(Source.root_id)).all())
    cards = dict(
        session.execute(
            select(Source.root_id, func.count())
            .select_from(Card)
            .join(Source, Source.id == Card.source_id)
            .where(Card.retired_at.is_(None))
            .group_by(Source.root_id)
        ).all()
    )
    return [RootSummary(root, int(files.get(root.id, 0)), int(cards.get(root.id, 0))) for root in roots]


def sources_of_root(session: Session, root_id: int) -> list[SourceRow]:
    rows = session.execute(
        select(*_SOURCE_COLUMNS).where(Source.root_id == root_id)
    )
    return [SourceRow(*row) for row in rows]


def retire_cards_of_sources(session: Session, source_ids: Sequence[int], now: datetime) -> int:
    """Retire the active Markdown cards of these sources; returns how many."""
    total = 0
    for part in chunks(list(source_ids)):
        result = session.execute(
            update(Card)
            .where(Card.source_id.in_(part), Card.retired_at.is_(None), Card.origin == "markdown")
            .values(retired_at=now, updated_at=now)
        )
        total += int(result.rowcount or 0)
    return total


def set_source_roots(session: Session, changes: Sequence[tuple[int, int | None]]) -> None:
    for source_id, root_id in changes:
        session.execute(update(Source).where(Source.id == source_id).values(root_id=root_id))


def enlarge_sqlite_cache(session: Session, kib: int = 16384) -> int | None:
    """Give SQLite a larger page cache for a big import (index updates stay in memory);
    returns the previous setting to restore, or None on another database."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    previous = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size = -{int(kib)}"))
    return None if previous is None else int(previous)


def restore_sqlite_cache(session: Session, previous: int | None) -> None:
    if previous is not None:
        session.execute(text(f"PRAGMA cache_size = {int(previous)}"))
