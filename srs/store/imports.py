"""The import's queries: roots, sources and cards loaded in bulk, written in bulk.

Nothing here uses the ORM: reads are Core selects of the needed columns (chunked ``IN``
lists), writes are executemany inserts and primary-key updates, on the tables of
:mod:`srs.store.schema`, from a Core connection or an ORM session alike (an import that finds
nothing changed never imports ``sqlalchemy.orm``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Table, Text, bindparam, cast, delete, func, insert, select, text, update

from srs.store.schema import DEFAULT_PRESET_NAME, cards, decks, import_roots, presets, settings, sources

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    tasks_unknown: bool = False  # read before its tasks were stored (sources.c.tasks NULL): read it again


_SOURCE_COLUMNS = (sources.c.id, sources.c.path, sources.c.root_id, sources.c.size, sources.c.mtime_ns, sources.c.content_hash, sources.c.tasks.is_(None))


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


def load_roots(session: Connection | Session) -> list[RootRow]:
    rows = session.execute(
        select(import_roots.c.id, import_roots.c.path, import_roots.c.deck, import_roots.c.added_at, import_roots.c.last_import_at).order_by(import_roots.c.path)
    )
    return [RootRow(*row) for row in rows]


def add_root(session: Connection | Session, path: str, deck: str | None, now: datetime) -> int:
    result = session.execute(insert(import_roots).values(path=path, deck=deck, added_at=now, last_import_at=None))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def update_roots(session: Connection | Session, changes: Sequence[dict[str, Any]]) -> None:
    """``changes``: dicts with ``id`` and the columns to set."""
    for change in changes:
        values = {key: value for key, value in change.items() if key != "id"}
        session.execute(update(import_roots).where(import_roots.c.id == change["id"]).values(**values))


def delete_root(session: Connection | Session, root_id: int) -> None:
    session.execute(delete(import_roots).where(import_roots.c.id == root_id))


def load_sources(session: Connection | Session) -> list[SourceRow]:
    """Every imported file (one query; a few hundred bytes per file)."""
    rows = session.execute(select(*_SOURCE_COLUMNS))
    return [SourceRow(*row) for row in rows]


_CARD_COLUMNS = (
    cards.c.id,
    cards.c.key,
    cards.c.note_key,
    cards.c.kind,
    decks.c.name,
    cards.c.source_id,
    cards.c.source_path,
    cards.c.source_line,
    cards.c.heading_path,
    cards.c.front,
    cards.c.back,
    cards.c.content_hash,
    cards.c.tags,
    cards.c.retired_at,
)


def _card_rows(rows: Iterable[Any]) -> list[CardRow]:
    return [CardRow(*row[:13], retired=row[13] is not None) for row in rows]


def cards_of_files(session: Connection | Session, paths: Sequence[str]) -> list[CardRow]:
    """Every Markdown card (retired ones too) whose source is one of ``paths``."""
    found: list[CardRow] = []
    for part in chunks(sorted(set(paths))):
        stmt = (
            select(*_CARD_COLUMNS)
            .join(decks, decks.c.id == cards.c.deck_id)
            .where(cards.c.origin == "markdown", cards.c.source_path.in_(part))
        )
        found.extend(_card_rows(session.execute(stmt)))
    return found


def cards_with_content(session: Connection | Session, hashes: Sequence[str]) -> list[CardRow]:
    """Markdown cards whose content hash is one of ``hashes`` (candidates for moved/revived)."""
    found: list[CardRow] = []
    for part in chunks(sorted(set(hashes))):
        stmt = select(*_CARD_COLUMNS).join(decks, decks.c.id == cards.c.deck_id).where(cards.c.origin == "markdown", cards.c.content_hash.in_(part))
        found.extend(_card_rows(session.execute(stmt)))
    return found


def cards_holding_keys(session: Connection | Session, keys: Sequence[str]) -> dict[str, int]:
    """``key -> card id`` for the cards (of any origin) that hold one of ``keys``."""
    held: dict[str, int] = {}
    for part in chunks(sorted(set(keys))):
        held.update((key, card_id) for key, card_id in session.execute(select(cards.c.key, cards.c.id).where(cards.c.key.in_(part))))
    return held


def has_markdown_cards(session: Connection | Session) -> bool:
    return session.scalar(select(cards.c.id).where(cards.c.origin == "markdown").limit(1)) is not None


def active_cards_per_source(session: Connection | Session, source_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """source id -> deck name -> number of active cards (one grouped query, no join).

    Only the importer sets ``cards.c.source_id``, so no filter on the origin is needed.
    """
    stmt = (
        select(cards.c.source_id, cards.c.deck_id, func.count())
        .where(cards.c.source_id.is_not(None), cards.c.retired_at.is_(None))
        .group_by(cards.c.source_id, cards.c.deck_id)
    )
    rows = session.execute(stmt).all()
    wanted = None if source_ids is None else set(source_ids)
    names = dict(session.execute(select(decks.c.id, decks.c.name)).all())
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for source_id, deck_id, count in rows:
        if wanted is None or source_id in wanted:
            name = names.get(deck_id, "?")
            counts[int(source_id)][name] = counts[int(source_id)].get(name, 0) + int(count)
    return counts


def deck_ids(session: Connection | Session, names: Iterable[str], now: datetime) -> dict[str, int]:
    """name -> id for each (normalised) deck name, creating the missing decks in one insert."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    known: dict[str, int] = {}
    for part in chunks(wanted):
        known.update({name: deck_id for deck_id, name in session.execute(select(decks.c.id, decks.c.name).where(decks.c.name.in_(part)))})
    missing = [name for name in wanted if name not in known]
    if not missing:
        return known
    preset_id = session.scalar(select(presets.c.id).where(presets.c.name == DEFAULT_PRESET_NAME))
    assert preset_id is not None, "collection has no default preset"
    session.execute(insert(decks), [{"name": name, "preset_id": preset_id, "created_at": now} for name in missing])
    for part in chunks(missing):
        known.update({name: deck_id for deck_id, name in session.execute(select(decks.c.id, decks.c.name).where(decks.c.name.in_(part)))})
    return known


def delete_empty_decks(session: Connection | Session, names: Iterable[str], keep: str) -> list[str]:
    """Delete the decks among ``names`` that hold no card any more (retired ones count), except
    ``keep``; returns the names deleted."""
    wanted = sorted(set(names) - {keep})
    deleted: list[str] = []
    for part in chunks(wanted):
        used = select(cards.c.id).where(cards.c.deck_id == decks.c.id).exists()
        rows = session.execute(select(decks.c.id, decks.c.name).where(decks.c.name.in_(part), ~used)).all()
        if rows:
            session.execute(delete(decks).where(decks.c.id.in_([row.id for row in rows])))
            deleted.extend(row.name for row in rows)
    return deleted


def source_tasks(session: Connection | Session, source_ids: Iterable[int]) -> dict[int, list[Any]]:
    """source id -> its stored pending and nothing-to-recall tasks (``sources.c.tasks``): one
    query for the files that have any, and one JSON decode of them all."""
    wanted = set(source_ids)
    as_text = cast(sources.c.tasks, Text)
    rows = [(i, t) for i, t in session.execute(select(sources.c.id, as_text).where(sources.c.tasks.is_not(None), as_text != "[]")) if i in wanted]
    if not rows:
        return {}
    decoded = json.loads("[" + ",".join(t for _, t in rows) + "]")
    return {source_id: tasks for (source_id, _), tasks in zip(rows, decoded)}


def insert_sources(session: Connection | Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert new sources; returns path -> id."""
    for part in chunks(rows):
        session.execute(insert(sources), list(part))
    paths = [row["path"] for row in rows]
    ids: dict[str, int] = {}
    for part in chunks(paths):
        ids.update({path: source_id for source_id, path in session.execute(select(sources.c.id, sources.c.path).where(sources.c.path.in_(part)))})
    return ids


def update_sources(session: Connection | Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk update by primary key (each dict has ``id``); rows with the same set of columns are sent together."""
    _update_by_id(session, sources, rows)


def delete_sources(session: Connection | Session, ids: Sequence[int]) -> None:
    for part in chunks(list(ids)):
        session.execute(update(cards).where(cards.c.source_id.in_(part)).values(source_id=None))
        session.execute(delete(sources).where(sources.c.id.in_(part)))


def insert_cards(session: Connection | Session, rows: Iterable[dict[str, Any]]) -> None:
    """Insert new cards, 2,000 at a time (Core executemany: no ORM bookkeeping, and the
    rows of a large import never all sit in memory at once)."""
    table = cards
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == 2000:
            session.execute(insert(table), batch)
            batch = []
    if batch:
        session.execute(insert(table), batch)


def update_cards(session: Connection | Session, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk update by primary key; rows with the same set of columns are sent together."""
    _update_by_id(session, cards, rows)


def _update_by_id(session: Connection | Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``UPDATE table SET ... WHERE id = :id`` as one executemany per set of columns (each
    row a dict with ``id``), 1,000 rows at a time. The values are bound with the columns'
    types (a time goes through UTCDateTime)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(key for key in row if key != "id"))].append(row)
    for columns, group in groups.items():
        if not columns:
            continue
        statement = update(table).where(table.c.id == bindparam("row_id")).values({name: bindparam(name, type_=table.c[name].type) for name in columns})
        for part in chunks(group, 1000):
            session.execute(statement, [{"row_id": row["id"], **{name: row[name] for name in columns}} for row in part])


def parser_version(session: Connection | Session) -> Any:
    row = session.execute(select(settings.c.value).where(settings.c.key == PARSER_VERSION_KEY)).first()
    return None if row is None else row.value


def set_parser_version(session: Connection | Session, version: int | str) -> None:
    stored = session.execute(select(settings.c.value).where(settings.c.key == PARSER_VERSION_KEY)).first()
    if stored is None:
        session.execute(insert(settings).values(key=PARSER_VERSION_KEY, value=version))
    elif stored.value != version:
        session.execute(update(settings).where(settings.c.key == PARSER_VERSION_KEY).values(value=version))


@dataclass(frozen=True, slots=True)
class RootSummary:
    root: RootRow
    files: int
    cards: int


def root_summaries(session: Connection | Session) -> list[RootSummary]:
    """Each root with its number of files and active cards (two grouped queries)."""
    roots = load_roots(session)
    files: dict[int | None, int] = dict(session.execute(select(sources.c.root_id, func.count()).group_by(sources.c.root_id)).all())
    active: dict[int | None, int] = dict(
        session.execute(
            select(sources.c.root_id, func.count())
            .select_from(cards)
            .join(sources, sources.c.id == cards.c.source_id)
            .where(cards.c.retired_at.is_(None))
            .group_by(sources.c.root_id)
        ).all()
    )
    return [RootSummary(root, int(files.get(root.id, 0)), int(active.get(root.id, 0))) for root in roots]


def sources_of_root(session: Connection | Session, root_id: int) -> list[SourceRow]:
    rows = session.execute(
        select(*_SOURCE_COLUMNS).where(sources.c.root_id == root_id)
    )
    return [SourceRow(*row) for row in rows]


def retire_cards_of_sources(session: Connection | Session, source_ids: Sequence[int], now: datetime) -> int:
    """Retire the active Markdown cards of these sources; returns how many."""
    total = 0
    for part in chunks(list(source_ids)):
        result = session.execute(
            update(cards)
            .where(cards.c.source_id.in_(part), cards.c.retired_at.is_(None), cards.c.origin == "markdown")
            .values(retired_at=now, updated_at=now)
        )
        total += int(result.rowcount or 0)
    return total


def set_source_roots(session: Connection | Session, changes: Sequence[tuple[int, int | None]]) -> None:
    for source_id, root_id in changes:
        session.execute(update(sources).where(sources.c.id == source_id).values(root_id=root_id))


def enlarge_sqlite_cache(session: Connection | Session, kib: int = 16384) -> int | None:
    """Give SQLite a larger page cache for a big import (index updates stay in memory);
    returns the previous setting to restore, or None on another database."""
    if _dialect_name(session) != "sqlite":
        return None
    previous = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size = -{int(kib)}"))
    return None if previous is None else int(previous)


def restore_sqlite_cache(session: Connection | Session, previous: int | None) -> None:
    if previous is not None:
        session.execute(text(f"PRAGMA cache_size = {int(previous)}"))


def _dialect_name(session: Connection | Session) -> str:
    bind = session if isinstance(session, Connection) else session.get_bind()
    return bind.dialect.name
