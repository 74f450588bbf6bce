"""The import planner: which parsed cards are which stored cards (:mod:`srs.domain.identity`),
what to add, update, move and retire, and applying that plan in the import's transaction."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from srs.app.import_files import FileFailure, _display, _Found, _Loaded, _place_cards, deck_for, failure_reason
from srs.app.import_report import CardChange, DeckChange, ImportReport, Problem
from srs.domain import identity
from srs.domain.parsed import NOT_CARDS, NOTHING_TO_RECALL, PENDING, SKIPPED, ParsedFile
from srs.store import imports as q


def _file_deck(item: _Found, parsed: ParsedFile | None) -> str:
    return deck_for(Path(item.path), item.root.path, item.root.deck, parsed.deck if parsed else None)


PARKED = "\x1e"  # between a retired card's key and its id when another card took its key


@dataclass(slots=True)
class _Plan:
    matching: identity.Matching
    decks: dict[str, str]  # path -> deck
    changed: bool
    stored_by_id: dict[int, Any]
    tasks: dict[str, list[list[Any]]]  # path -> its pending and nothing-to-recall tasks (Source.tasks)


def _add_task(report: ImportReport, kind: str, display: str, line: int, text: str, deck: str) -> None:
    report.add_tasks(display, ((kind, line, text, deck),))


def _make_plan(
    session: Any,
    report: ImportReport,
    found: dict[str, _Found],
    parsed: list[_Loaded],
    removed: list[Any],
    unchanged: list[_Found],
    cwd: Path,
    sources: list[Any],
) -> _Plan:
    planned: list[tuple[_Loaded, _FilePlan]] = []
    for item in parsed:
        where = found[item.path]
        try:
            planned.append((item, _plan_file(item, where)))
        except Exception as error:  # this file is skipped, its cards kept; the others go on
            _skip_file(report, where, error)
    local_rows_of = _local_rows(session, [item.path for item, _ in planned] + [source.path for source in removed])
    kept = _without_conflicts(session, report, found, planned, local_rows_of)
    file_decks = {item.path: file_plan.deck for item, file_plan in kept}
    tasks = {item.path: file_plan.tasks for item, file_plan in kept}
    incoming = _report_files(report, found, kept)

    local_rows = [row for path in [*file_decks, *(source.path for source in removed)] for row in local_rows_of.get(path, ())]
    elsewhere_rows = _same_content_elsewhere(session, found, incoming, local_rows)
    local = [_stored(row) for row in local_rows]
    elsewhere = [_stored(row) for row in elsewhere_rows]
    matching = identity.match_cards(incoming, local, elsewhere)
    stored_by_id = {row.id: row for row in local_rows + elsewhere_rows}
    changed = _report_changes(report, found, matching, stored_by_id, cwd)
    if unchanged:
        _report_unchanged(session, report, unchanged, sources)
    return _Plan(matching, file_decks, changed, stored_by_id, tasks)


def _report_files(report: ImportReport, found: dict[str, _Found], planned: list[tuple[_Loaded, _FilePlan]]) -> list[identity.Incoming]:
    """The tasks and problems of the files read, in the report; their cards, in one list."""
    incoming: list[identity.Incoming] = []
    for item, file_plan in planned:
        counts = report.deck(file_plan.deck)
        for kind, line, text, deck_name in file_plan.tasks:
            _add_task(report, kind, found[item.path].display, line, text, deck_name)
        for problem in file_plan.problems:
            report.problems.append(problem)
            if problem.kind == SKIPPED:
                counts.skipped += 1
        incoming.extend(file_plan.cards)
    return incoming


def _same_content_elsewhere(session: Any, found: dict[str, _Found], incoming: list[identity.Incoming], local_rows: list[Any]) -> list[Any]:
    """Stored cards outside the files read, retired or of a file that is gone, holding the
    content of a parsed card whose key is new (moved or revived cards)."""
    local_ids = {row.id for row in local_rows}
    local_keys = {row.key for row in local_rows}
    hashes = [card.content_hash for card in incoming if card.key not in local_keys]
    elsewhere_rows = []
    if hashes and q.has_markdown_cards(session):
        for row in q.cards_with_content(session, hashes):
            if row.id in local_ids:
                continue
            gone = row.source_path is None or (row.source_path not in found and not os.path.exists(row.source_path))
            if row.retired or gone:
                elsewhere_rows.append(row)
    return elsewhere_rows


def _report_changes(report: ImportReport, found: dict[str, _Found], matching: identity.Matching, stored_by_id: dict[int, Any], cwd: Path) -> bool:
    """Each card's change counted and listed in the report; True if any card changes."""
    changed = False
    for match in matching.matches:
        counts = report.deck(match.incoming.deck)
        change = match.change
        setattr(counts, str(change), getattr(counts, str(change)) + 1)
        if change is not identity.Change.UNCHANGED:
            changed = True
            report.changes.append(CardChange(str(change), match.incoming.deck, found[match.incoming.source_path].display, match.incoming.line, match.incoming.front))
    report.deck_changes = _deck_changes(matching, stored_by_id)
    for old in matching.retired:
        row = stored_by_id[old.id]
        report.deck(row.deck).retired += 1
        changed = True
        where = _display(Path(row.source_path), cwd) if row.source_path else None
        report.changes.append(CardChange("retired", row.deck, where, row.source_line, row.front))
    return changed


def _report_unchanged(session: Any, report: ImportReport, unchanged: list[_Found], sources: list[Any]) -> None:
    """Files not read this time: their cards count as unchanged, their tasks are still open."""
    by_path = {source.path: source.id for source in sources}
    unchanged_ids = [by_path[item.path] for item in unchanged if item.path in by_path]
    per_source = q.active_cards_per_source(session, unchanged_ids)
    stored_tasks = q.source_tasks(session, unchanged_ids)
    for item in unchanged:
        source_id = by_path.get(item.path)
        if source_id is None:
            continue
        for deck_name, count in per_source.get(source_id, {}).items():
            report.deck(deck_name).unchanged += count
        report.add_tasks(item.display, stored_tasks.get(source_id, ()))


@dataclass(slots=True)
class _FilePlan:
    """What one parsed file brings to the plan."""

    deck: str
    tasks: list[list[Any]]  # [kind, line, text, deck] (Source.tasks)
    problems: list[Problem]
    cards: tuple[identity.Incoming, ...]


def _plan_file(item: _Loaded, where: _Found) -> _FilePlan:
    assert item.parsed is not None
    result = item.parsed
    deck_name = item.deck or _file_deck(where, result)
    tasks: list[list[Any]] = []
    problems: list[Problem] = []
    for report_item in result.items:
        if report_item.kind in (PENDING, NOTHING_TO_RECALL, *NOT_CARDS):
            tasks.append([report_item.kind, report_item.line or 0, report_item.message, deck_name])
        else:
            problems.append(Problem(where.display, report_item.line, report_item.message, report_item.kind))
    cards = item.cards if item.deck is not None else _place_cards(item.path, result, deck_name)
    return _FilePlan(deck_name, tasks, problems, cards)


def _skip_file(report: ImportReport, where: _Found, error: BaseException) -> None:
    report.problems.append(Problem(where.display, getattr(error, "line", None), failure_reason(error)))
    report.deck(_file_deck(where, None)).skipped += 1


def _local_rows(session: Any, paths: list[str]) -> dict[str, list[Any]]:
    """The stored cards of ``paths`` (the files read and the files deleted), by path."""
    rows: dict[str, list[Any]] = {}
    for row in q.cards_of_files(session, paths) if paths else ():
        rows.setdefault(row.source_path, []).append(row)
    return rows


def _without_conflicts(
    session: Any, report: ImportReport, found: dict[str, _Found], planned: list[tuple[_Loaded, _FilePlan]], local_rows_of: dict[str, list[Any]]
) -> list[tuple[_Loaded, _FilePlan]]:
    """The planned files whose new keys no card of another file holds (keys are unique in the
    collection; a key names its file, so this only guards against a damaged collection). A file
    that fails is skipped with ``path:line: reason`` instead of failing the whole import."""
    local_keys = {row.key for rows in local_rows_of.values() for row in rows}
    fresh = {card.key: item.path for item, file_plan in planned for card in file_plan.cards if card.key not in local_keys}
    if not fresh or not q.has_markdown_cards(session):
        return planned
    held = q.cards_holding_keys(session, list(fresh))
    if not held:
        return planned
    bad: dict[str, FileFailure] = {}
    for key, card_id in held.items():
        path = fresh[key]
        line = next(card.line for item, plan in planned if item.path == path for card in plan.cards if card.key == key)
        bad.setdefault(path, FileFailure(line, f"this card's key is held by card {card_id} of another file (srs check may repair it)"))
    for path, failure in bad.items():
        _skip_file(report, found[path], failure)
    return [(item, file_plan) for item, file_plan in planned if item.path not in bad]


def _deck_changes(matching: identity.Matching, stored_by_id: dict[int, Any]) -> list[DeckChange]:
    """Which stored decks the matched cards left, and for which deck."""
    moves: dict[tuple[str, str], int] = {}
    for match in matching.matches:
        if match.stored is not None:
            old = stored_by_id[match.stored.id].deck
            if old != match.incoming.deck:
                moves[(old, match.incoming.deck)] = moves.get((old, match.incoming.deck), 0) + 1
    sources: dict[str, int] = {}
    for _old, new in moves:
        sources[new] = sources.get(new, 0) + 1
    return [DeckChange(old, new, cards, sources[new] > 1) for (old, new), cards in sorted(moves.items())]


# Tags srs itself gives a card (the leech rule): not in the notes, kept when a note is re-read,
# so that a leech stays findable (is:leech) after its note is rewritten, until it is untagged.
SRS_TAGS = ("leech",)


def _note_tags(tags: str | None) -> str:
    """``tags`` without the tags srs gave (what the notes said)."""
    return identity.tags_text(tag for tag in (tags or "").split() if tag.lower() not in SRS_TAGS)


def _with_srs_tags(new: str, stored: str | None) -> str:
    """The note's tags ``new`` plus the srs tags the stored card has."""
    names = new.split()
    lowered = {name.lower() for name in names}
    names += [tag for tag in (stored or "").split() if tag.lower() in SRS_TAGS and tag.lower() not in lowered]
    return identity.tags_text(names)


def _stored(row: Any) -> identity.Stored:
    return identity.Stored(
        id=row.id,
        key=row.key,
        kind=row.kind,
        source_path=row.source_path,
        source_line=row.source_line,
        heading_path=row.heading_path,
        back=row.back,
        content_hash=row.content_hash,
        fingerprint=identity.fingerprint(
            key=row.key, note_key=row.note_key, front=row.front, back=row.back, deck=row.deck, tags=_note_tags(row.tags), heading_path=row.heading_path
        ),
        retired=row.retired,
    )


def _apply(
    session: Any,
    plan: _Plan,
    found: dict[str, _Found],
    digests: dict[str, str],
    touched: list[str],
    removed: list[Any],
    now: datetime,
    deck_changes: Sequence[DeckChange] = (),
) -> None:
    source_ids = _write_sources(session, plan, found, digests, touched, now)
    matching = plan.matching
    deck_ids = q.deck_ids(session, {match.incoming.deck for match in matching.matches}, now)

    def inserts() -> Iterator[dict[str, Any]]:
        for match in matching.matches:
            if match.stored is not None:
                continue
            new = match.incoming
            yield {**_card_columns(new, source_ids.get(new.source_path), deck_ids), "origin": "markdown", "created_at": now, "updated_at": now}

    updates = _card_updates(plan, source_ids, deck_ids, now) + _retirements(matching, now)
    moving = [row for row in updates if "key" in row and row["key"] != plan.stored_by_id[row["id"]].key]
    if moving:
        q.update_cards(session, [{"id": row["id"], "key": f"{PARKED}{row['id']}"} for row in moving])
    q.update_cards(session, updates)
    q.insert_cards(session, inserts())
    left = {change.old for change in deck_changes}
    if left:
        q.delete_empty_decks(session, left, keep="Default")
    q.delete_sources(session, [source.id for source in removed if source.path in source_ids])


def _write_sources(session: Any, plan: _Plan, found: dict[str, _Found], digests: dict[str, str], touched: list[str], now: datetime) -> dict[str, int]:
    """The source rows of the files read or touched, inserted or updated; every source's id by path."""
    sources = {source.path: source for source in q.load_sources(session)}
    new_sources = []
    source_updates = []
    for path in sorted(set(plan.decks) | set(touched)):
        where = found[path]
        values = {
            "size": where.size,
            "mtime_ns": where.mtime_ns,
            "root_id": where.root.id,
            "content_hash": digests[path],
            "imported_at": now,
        }
        if path in plan.tasks:  # read this time (a file only touched keeps its stored tasks)
            values["tasks"] = plan.tasks[path]
        existing = sources.get(path)
        if existing is None:
            new_sources.append({"path": path, **values})
        else:
            source_updates.append({"id": existing.id, **values})
    source_ids = {path: source.id for path, source in sources.items()}
    if new_sources:
        source_ids.update(q.insert_sources(session, new_sources))
    q.update_sources(session, source_updates)
    return source_ids


def _card_columns(new: identity.Incoming, source_id: int | None, deck_ids: dict[str, int]) -> dict[str, Any]:
    """The columns a parsed card sets, on insert and on update alike."""
    return {
        "key": new.key,
        "note_key": new.note_key,
        "kind": new.kind,
        "deck_id": deck_ids[new.deck],
        "source_id": source_id,
        "source_path": new.source_path,
        "source_line": new.line,
        "heading_path": new.heading_path,
        "front": new.front,
        "back": new.back,
        "content_hash": new.content_hash,
        "tags": new.tags,
    }


def _card_updates(plan: _Plan, source_ids: dict[str, int], deck_ids: dict[str, int], now: datetime) -> list[dict[str, Any]]:
    """The rows of the matched cards: new content, or only the line and source of unchanged ones."""
    updates = []
    for match in plan.matching.matches:
        if match.stored is None:
            continue
        new = match.incoming
        source_id = source_ids.get(new.source_path)
        row = plan.stored_by_id[match.stored.id]
        if match.change is identity.Change.UNCHANGED:
            if row.source_line != new.line or row.source_id != source_id:
                updates.append({"id": row.id, "source_line": new.line, "source_id": source_id})
            continue
        values = _card_columns(new, source_id, deck_ids)
        values["tags"] = _with_srs_tags(new.tags, row.tags)
        updates.append({"id": row.id, **values, "retired_at": None, "updated_at": now})
    return updates


def _retirements(matching: identity.Matching, now: datetime) -> list[dict[str, Any]]:
    """The rows of the retired cards.

    Keys are unique: a card may take over the key another card holds now (repeats of one
    task swapped or one deleted). Every key that moves is freed first, and a card retired
    while its key goes to another card keeps its history under a parked key of its own
    (content matching still brings it back)."""
    taken = {match.incoming.key for match in matching.matches if match.change is not identity.Change.UNCHANGED}
    retirements: list[dict[str, Any]] = []
    for old in matching.retired:
        retire: dict[str, Any] = {"id": old.id, "retired_at": now, "updated_at": now}
        if old.key in taken:
            retire["key"] = f"{old.key}{PARKED}{old.id}"
        retirements.append(retire)
    return retirements
