"""``srs import-revlog``: bring a review history from elsewhere into the collection.

Where each CSV card's reviews go, in this order:

1. ``--map FILE`` (``card_id,srs_card_id``): the collection card with that id;
2. a card whose ``external_id`` is the CSV ``card_id`` (a placeholder made by an earlier import
   of the same history, or a card imported from Anki, whose card ids these logs use);
3. otherwise a new placeholder card (kind ``imported``, origin ``revlog``) in ``--deck``
   (default ``Imported``).

A review already in the collection (same card, same time to the microsecond) is not added
again, so importing the same file twice changes nothing. Each card's log, old and new reviews
together, is replayed through the scheduler with its deck's preset
(:func:`srs.store.reviews.import_history`), so its state is the replay of its log. Everything
happens in one transaction: an error leaves the collection as it was. ``dry_run`` does the
whole import and rolls it back, so its counts are exactly what a real run would do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from srs.domain.revlog_rows import NO_DURATION, MapEntry, RevlogRows, RowProblem, parse_card_map, parse_revlog
from srs.domain.scheduling import MANUAL, SchedulerSettings
from srs.errors import SrsError
from srs.store.collection import (
    Collection,
    Session,  # the store owns the database session type
)
from srs.store.decks import get_or_create_deck, normalise_deck_name
from srs.store.history import deck_presets
from srs.store.models import Card
from srs.store.reviews import import_history
from srs.store.revlog_import import cards_by_external_id, cards_by_id, delete_logs, logged_events, placeholder_card
from srs.text import plural
from srs.timeutil import from_micros, to_micros

DEFAULT_DECK = "Imported"


@dataclass
class RevlogImport:
    """What an import did (or, with ``dry_run``, would do)."""

    path: str
    deck: str
    dry_run: bool
    data_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    reviews_added: int = 0
    reviews_present: int = 0  # already in the collection (an earlier import of the same file)
    cards_created: int = 0  # new placeholder cards
    cards_attached: int = 0  # existing cards that received reviews
    cards_unchanged: int = 0  # existing cards that had every review already


class NothingToImport(SrsError):
    """No row of the file is a readable review; ``problems`` says what is wrong with each."""

    def __init__(self, message: str, *, path: str, line: int | None, problems: list[RowProblem]) -> None:
        super().__init__(message, path=path, line=line)
        self.problems = problems


class _Rollback(Exception):
    """Raised inside the transaction of a dry run to undo it."""


def read_text(path: Path) -> str:
    """A CSV file's text (UTF-8, an optional BOM), or an :class:`SrsError` saying why not."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SrsError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise SrsError("is a directory, not a CSV file", path=str(path)) from None
    except OSError as error:
        raise SrsError(f"cannot read ({error.strerror})", path=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SrsError("not UTF-8 text (is this a CSV file?)", path=str(path), line=line) from None


def import_revlog(
    collection: Collection,
    path: Path,
    *,
    now: datetime,
    deck: str | None = None,
    map_path: Path | None = None,
    dry_run: bool = False,
) -> RevlogImport:
    """Import the revlog CSV at ``path`` (see the module docstring)."""
    rows = parse_revlog(read_text(path), path=str(path), now=now)
    if not len(rows):
        if rows.problems:
            first = rows.problems[0]
            others = len(rows.problems) - 1
            more = f" (and {plural(others, 'more bad row')}); nothing imported" if others else "; nothing imported"
            raise NothingToImport(first.message + more, path=str(path), line=first.line, problems=rows.problems)
        raise NothingToImport("no review rows after the header; nothing imported", path=str(path), line=None, problems=[])
    mapping = parse_card_map(read_text(map_path), path=str(map_path)) if map_path is not None else {}
    report = RevlogImport(path=str(path), deck=deck or DEFAULT_DECK, dry_run=dry_run, data_rows=rows.data_rows, problems=rows.problems)

    def action(session: Session) -> None:
        _import(session, rows, mapping, report, map_path=str(map_path), now=now)

    if dry_run:
        try:
            with collection.write() as session:
                action(session)
                raise _Rollback
        except _Rollback:
            pass
    else:
        collection.transact(action)
    return report


CHUNK_CARDS = 2_000  # cards whose histories are resolved, replayed and written at a time


def _check_mapping(mapping: dict[str, MapEntry], map_path: str) -> None:
    owners: dict[int, tuple[str, MapEntry]] = {}
    for card_id, entry in sorted(mapping.items(), key=lambda item: item[1].line):
        if entry.srs_card_id in owners:
            raise SrsError(
                f"card_id {owners[entry.srs_card_id][0]} and {card_id} are both mapped to card {entry.srs_card_id}",
                path=map_path,
                line=entry.line,
            )
        owners[entry.srs_card_id] = (card_id, entry)


def _import(session: Session, rows: RevlogRows, mapping: dict[str, MapEntry], report: RevlogImport, *, map_path: str, now: datetime) -> None:
    """The import, a chunk of cards at a time (ORM objects are released after each chunk, so a
    history of a million reviews stays within a few hundred megabytes)."""
    # Reset the counters: a transaction retried after a lock starts over.
    report.reviews_added = report.reviews_present = report.cards_created = report.cards_attached = report.cards_unchanged = 0
    _check_mapping(mapping, map_path)
    histories = rows.histories()
    deck_id: int | None = None

    def placeholder_deck() -> int:
        nonlocal deck_id
        if deck_id is None:
            report.deck = normalise_deck_name(report.deck) or DEFAULT_DECK
            deck_id = get_or_create_deck(session, report.deck, now).id
        return deck_id

    used: dict[int, str] = {}  # collection card id -> the CSV card_id whose reviews it received
    for start in range(0, len(histories), CHUNK_CARDS):
        _import_chunk(session, rows, histories[start : start + CHUNK_CARDS], mapping, report, map_path=map_path, now=now, deck=placeholder_deck, used=used)
        session.flush()
        session.expunge_all()


Event = tuple[int, datetime, int | None]  # (rating, reviewed_at, duration_ms or None)


def _import_chunk(
    session: Session,
    rows: RevlogRows,
    histories: list[tuple[str, list[int]]],
    mapping: dict[str, MapEntry],
    report: RevlogImport,
    *,
    map_path: str,
    now: datetime,
    deck: Callable[[], int],
    used: dict[int, str],
) -> None:
    # 1. The collection card each CSV card goes to.
    targets = _existing_targets(session, rows, histories, mapping, report, map_path=map_path)
    created = {card_id for card_id, _ in histories if card_id not in targets}
    if created:
        targets.update(_placeholders(session, histories, created, report, now=now, deck=deck))
    _check_targets(histories, targets, used, report)
    # 2. Each card's log: what it has, plus the CSV reviews it does not have yet.
    logged = logged_events(session, [targets[card_id].id for card_id, _ in histories if card_id not in created])
    rebuilt, work = _merged_logs(rows, histories, targets, created, logged, report)
    # 3. Replace the logs of cards that had reviews, then replay every card's whole log.
    delete_logs(session, rebuilt)
    presets = deck_presets(session, sorted({card.deck_id for card, _ in work}))
    by_settings: dict[SchedulerSettings, list[tuple[Card, list[Event]]]] = {}
    for card, events in work:
        by_settings.setdefault(SchedulerSettings.from_preset(presets[card.deck_id]), []).append((card, events))
    for settings, group in by_settings.items():
        import_history(session, group, settings, now)


def _existing_targets(
    session: Session, rows: RevlogRows, histories: list[tuple[str, list[int]]], mapping: dict[str, MapEntry], report: RevlogImport, *, map_path: str
) -> dict[str, Card]:
    """The collection card of each CSV card that has one: by ``--map``, else by external id (an
    earlier import's placeholder first). A mapped id with no card, or an external id shared
    by several cards: :class:`SrsError`."""
    targets: dict[str, Card] = {}
    mapped = {card_id: mapping[card_id] for card_id, _ in histories if card_id in mapping}
    if mapped:
        found = cards_by_id(session, [entry.srs_card_id for entry in mapped.values()])
        for card_id, entry in mapped.items():
            card = found.get(entry.srs_card_id)
            if card is None:
                raise SrsError(f"no card with id {entry.srs_card_id} in the collection (for card_id {card_id})", path=map_path, line=entry.line)
            targets[card_id] = card
    unmapped = [card_id for card_id, _ in histories if card_id not in targets]
    for card_id, cards in cards_by_external_id(session, unmapped).items():
        placeholders = [card for card in cards if card.origin == "revlog"]
        if placeholders:
            targets[card_id] = placeholders[0]
        elif len(cards) == 1:
            targets[card_id] = cards[0]
        else:
            ids = ", ".join(str(card.id) for card in cards)
            first_line = rows.line[next(indices[0] for cid, indices in histories if cid == card_id)]
            raise SrsError(
                f"card_id {card_id} matches the external id of several cards ({ids}); "
                "say which one with --map FILE (card_id,srs_card_id)",
                path=report.path,
                line=first_line,
            )
    return targets


def _placeholders(
    session: Session, histories: list[tuple[str, list[int]]], created: set[str], report: RevlogImport, *, now: datetime, deck: Callable[[], int]
) -> dict[str, Card]:
    """New placeholder cards (in the import's deck) for the CSV cards in ``created``, flushed
    so they have ids."""
    source_name = Path(report.path).name
    deck_id = deck()
    new_cards = {card_id: placeholder_card(card_id, deck_id, source_name, now) for card_id, _ in histories if card_id in created}
    session.add_all(new_cards.values())
    session.flush()
    report.cards_created += len(new_cards)
    return new_cards


def _check_targets(histories: list[tuple[str, list[int]]], targets: dict[str, Card], used: dict[int, str], report: RevlogImport) -> None:
    """Two CSV cards never go to the same collection card (``used``: over the whole import)."""
    for card_id, _ in histories:
        card = targets[card_id]
        if used.setdefault(card.id, card_id) != card_id:
            raise SrsError(
                f"card_id {used[card.id]} and {card_id} would both go to card {card.id} "
                "(by --map or by external id); say which with --map FILE",
                path=report.path,
            )


def _merged_logs(
    rows: RevlogRows,
    histories: list[tuple[str, list[int]]],
    targets: dict[str, Card],
    created: set[str],
    logged: dict[int, list[Event]],
    report: RevlogImport,
) -> tuple[list[int], list[tuple[Card, list[Event]]]]:
    """Each card's log as it will be: what it has plus the CSV reviews not in it yet (at the same
    microsecond), oldest first, for the cards that receive a review; and the cards whose old log
    is replaced. A log with manual entries cannot be merged: :class:`SrsError`."""
    rebuilt: list[int] = []
    work: list[tuple[Card, list[Event]]] = []
    for card_id, indices in histories:
        card = targets[card_id]
        old = logged.get(card.id, [])
        present = {to_micros(at) for _, at, _ in old}
        new = []
        for index in indices:
            micros = rows.micros[index]
            if micros in present:
                continue
            duration = rows.duration[index]
            new.append((rows.rating[index], from_micros(micros), None if duration == NO_DURATION else duration))
        report.reviews_present += len(indices) - len(new)
        if not new:
            report.cards_unchanged += 1
            continue
        if card_id not in created:
            report.cards_attached += 1
        if old:
            if any(rating == MANUAL for rating, _, _ in old):
                raise SrsError(
                    f"card {card.id} has manual entries in its log (srs cards forget or set-due), which a merged "
                    f"history cannot be replayed around; nothing was imported",
                    path=report.path,
                )
            rebuilt.append(card.id)
        work.append((card, sorted(old + new, key=lambda event: event[1])))
        report.reviews_added += len(new)
    return rebuilt, work
