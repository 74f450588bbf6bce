"""``srs reschedule``: make every card's memory state the replay of its log with its preset's
current parameters and desired retention (after ``srs optimize`` or ``srs config set
desired_retention``), and say first how many cards move and how many fall due today.

The log is read in one ordered pass (:func:`srs.store.history.card_logs`), each card replayed
by :class:`srs.domain.batch_replay.BatchReplayer` (the same arithmetic as
:func:`srs.domain.scheduling.replay`, ten times faster), and only the cards whose state changes are
written, with executemany, in the same transaction. A sample of the cards (about 200, spread
over the collection) is replayed with :func:`srs.domain.scheduling.replay` itself as well; if one
differs, every card is replayed that way instead. A dry run reads in a read-only transaction
and writes nothing. The review log itself is never changed: its rows keep what the scheduler
said at the time of each review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from srs.domain.batch_replay import NEW_MEMORY, BatchReplayer, Memory, memory_tuple
from srs.domain.scheduling import SchedulerSettings, parameters_problem, replay
from srs.errors import CollectionError
from srs.store.collection import (
    Collection,
    Session,  # the store owns the database session type
)
from srs.store.decks import deck_ids
from srs.store.history import StoredState, card_logs, cards_with_manual_entries, deck_presets, stored_states, update_card_states
from srs.store.models import Preset
from srs.store.reviews import card_events
from srs.timeutil import day_bounds, from_micros, to_micros

SAMPLE_CARDS = 200  # cards checked against srs.domain.scheduling.replay on every run


@dataclass
class RescheduleReport:
    deck: str | None
    dry_run: bool
    presets: list[tuple[str, float]] = field(default_factory=list)  # (name, desired retention) used
    cards: int = 0  # cards in scope
    replayed: int = 0  # cards with a review log
    changed: int = 0  # cards whose stored state differed from the replay (and were, or would be, updated)
    moved: int = 0  # cards whose due date changes
    earlier: int = 0
    later: int = 0
    due_today_before: int = 0  # active reviewed cards due before the end of today
    due_today_after: int = 0
    verified: int = 0  # cards also replayed with srs.domain.scheduling.replay
    slow_path: bool = False  # the sample differed: every card was replayed with srs.domain.scheduling.replay


class _Mismatch(Exception):
    pass


def _memory_tuple(settings: SchedulerSettings, ratings: list[int], times: list[int], seed: int) -> Memory:
    return memory_tuple(replay(zip(ratings, (from_micros(t) for t in times)), settings, seed=seed))


class _DeckRules:
    """Each deck of the scope: its preset's name, its scheduler settings and the end of its
    today (micros); one :class:`BatchReplayer` per distinct settings; and the presets that
    scheduled a card (name -> desired retention), for the report."""

    def __init__(self, presets: dict[int, Preset], now: datetime) -> None:
        self.settings_of: dict[int, SchedulerSettings] = {}
        self.day_end_of: dict[int, int] = {}
        self.replayers: dict[SchedulerSettings, BatchReplayer] = {}
        self.name_of = {deck_id: preset.name for deck_id, preset in presets.items()}
        self.used: dict[str, float] = {}
        for deck_id, preset in presets.items():
            settings = SchedulerSettings.from_preset(preset)
            self.settings_of[deck_id] = settings
            self.day_end_of[deck_id] = to_micros(day_bounds(now, preset.timezone, preset.day_start_hour)[1])
            if settings not in self.replayers:
                try:
                    settings.scheduler()  # py-fsrs checks the parameters' bounds
                except ValueError as error:
                    detail = parameters_problem(error)
                    raise CollectionError(f"preset {preset.name!r} has invalid FSRS parameters ({detail}); run srs check --fix") from None
                self.replayers[settings] = BatchReplayer(settings)

    def settings_for(self, deck_id: int) -> SchedulerSettings:
        """The settings a card of ``deck_id`` is replayed with (its preset counts as used)."""
        settings = self.settings_of[deck_id]
        self.used[self.name_of[deck_id]] = settings.desired_retention
        return settings


class _Tally:
    """Card by card, the replayed state against the stored one: the changes to write, and the
    report's counts of cards moved and of cards due today before and after."""

    def __init__(self, states: dict[int, StoredState], day_end_of: dict[int, int], report: RescheduleReport) -> None:
        self.states = states
        self.day_end_of = day_end_of
        self.report = report
        self.changes: list[tuple[int, Memory]] = []

    def settle(self, card_id: int, new: Memory) -> None:
        report = self.report
        stored = self.states[card_id]
        day_end = self.day_end_of[stored.deck_id]
        old = stored.memory()
        if stored.active and old[0] != 0 and old[4] is not None and old[4] < day_end:
            report.due_today_before += 1
        if stored.active and new[0] != 0 and new[4] is not None and new[4] < day_end:
            report.due_today_after += 1
        if new == old:
            return
        self.changes.append((card_id, new))
        if new[4] != old[4]:
            report.moved += 1
            if old[4] is not None and new[4] is not None:
                if new[4] < old[4]:
                    report.earlier += 1
                else:
                    report.later += 1


def _replay_logs(
    session: Session, ids: list[int] | None, states: dict[int, StoredState], rules: _DeckRules, tally: _Tally, *, slow: bool
) -> set[int]:
    """Replay the log of every card in scope that has one, settle each in ``tally``; the ids of
    those cards. Fast path: :class:`BatchReplayer`, with a sample checked against
    :func:`replay` (:class:`_Mismatch` if one differs); ``slow``: :func:`replay` for every card."""
    report = tally.report
    settle = tally.settle
    every = max(1, len(states) // SAMPLE_CARDS)
    seen_logs: set[int] = set()
    manual = cards_with_manual_entries(session, ids)
    for number, (card_id, ratings, times) in enumerate(card_logs(session, ids)):
        stored = states.get(card_id)
        if stored is None or card_id in manual:  # added to the scope after it was read: not ours; manual: below
            continue
        seen_logs.add(card_id)
        settings = rules.settings_for(stored.deck_id)
        if slow:
            new = _memory_tuple(settings, ratings, times, card_id)
        else:
            new = rules.replayers[settings].replay(ratings, times, card_id)
            if number % every == 0:
                report.verified += 1
                if _memory_tuple(settings, ratings, times, card_id) != new:
                    raise _Mismatch
        report.replayed += 1
        settle(card_id, new)
    # Cards with manual entries (forget, set-due): their answers were read above without them;
    # the whole log, manual entries included, is replayed here one card at a time.
    for card_id in sorted(manual):
        stored = states.get(card_id)
        if stored is None:
            continue
        seen_logs.add(card_id)
        settings = rules.settings_for(stored.deck_id)
        report.replayed += 1
        settle(card_id, memory_tuple(replay(card_events(session, card_id), settings, seed=card_id)))
    return seen_logs


def _run(session: Session, report: RescheduleReport, deck: str | None, now: datetime, *, write: bool, slow: bool) -> None:
    ids = deck_ids(session, deck)
    rules = _DeckRules(deck_presets(session, ids), now)
    states = {state.card_id: state for state in stored_states(session, ids)}
    report.cards = len(states)
    report.slow_path = slow
    orphans = sorted({state.deck_id for state in states.values() if state.deck_id not in rules.settings_of})
    if orphans:
        raise CollectionError(f"deck id {orphans[0]} has no preset, so its cards cannot be scheduled (run srs check --fix)")
    tally = _Tally(states, rules.day_end_of, report)
    seen_logs = _replay_logs(session, ids, states, rules, tally, slow=slow)
    for card_id in states:
        if card_id not in seen_logs:
            tally.settle(card_id, NEW_MEMORY)
    report.presets = sorted(rules.used.items())
    if write and tally.changes:
        update_card_states(session, tally.changes, to_micros(now))
    report.changed = len(tally.changes)


def reschedule_session(session: Session, *, now: datetime, deck: str | None = None, dry_run: bool = False) -> RescheduleReport:
    """:func:`reschedule` inside an open transaction (also the upgrade that re-replays every
    card when the memory model changed, migration 0005)."""
    try:
        report = RescheduleReport(deck=deck, dry_run=dry_run)
        _run(session, report, deck, now, write=not dry_run, slow=False)
    except _Mismatch:  # raised before anything is written
        report = RescheduleReport(deck=deck, dry_run=dry_run)
        _run(session, report, deck, now, write=not dry_run, slow=True)
    return report


def reschedule(collection: Collection, *, now: datetime, deck: str | None = None, dry_run: bool = False) -> RescheduleReport:
    """Replay every card of ``deck`` (and its sub-decks; default: all cards) with its preset and
    store the states that changed (``dry_run``: count them, change nothing)."""
    def action(session: Session) -> RescheduleReport:
        return reschedule_session(session, now=now, deck=deck, dry_run=dry_run)

    if dry_run:
        with collection.read() as session:
            return action(session)
    return collection.transact(action)
