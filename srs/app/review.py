"""The review session loop, independent of how keys arrive and how the screen is drawn.

The session's parts: what it asks of a front end (:class:`KeySource`, :class:`Screen`,
:mod:`srs.app.review_frontend`), the cards it shows and their study day
(:mod:`srs.app.review_queue`), what it did and can undo (:mod:`srs.app.review_record`) and
its end (:mod:`srs.app.review_summary`); here, the loop that ties them: one card, its keys,
the action each key asks for. Editing a card's note: :mod:`srs.app.editor`.

Safety: every answer, undo, suspend and bury is committed in its own transaction
(:mod:`srs.store.queue`) before it is acknowledged and before the next card is chosen.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from srs.app.editor import editor_command, launch_editor, reimport_source
from srs.app.review_frontend import END, PAGE, QUIT, Action, Key, KeySource, Screen, ShownCard, scroll
from srs.app.review_queue import SessionQueue
from srs.app.review_record import SessionRecord
from srs.app.review_summary import session_summary
from srs.domain.queue_rules import MAX_ANSWER_MS, CardView, Counts, QueueItem, QueueKind, SessionSummary, requeued_item
from srs.domain.scheduling import Rating, preview
from srs.errors import SrsError
from srs.store.answers import CardChanged, Shown, answer_card, undo_answer
from srs.store.collection import Collection
from srs.store.presets import get_setting
from srs.store.queue import Scope, bury_card, card_view, open_scope, restore_flags, suspend_card


class Mode(StrEnum):
    REVIEW = "review"
    PREVIEW = "preview"  # today's queue, nothing changed
    CRAM = "cram"  # every card of the deck, nothing changed


@dataclass
class SessionOptions:
    deck: str | None = None
    new_limit: int | None = None
    review_limit: int | None = None
    mode: Mode = Mode.REVIEW
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


PREVIEW_AGAIN_DELAY = timedelta(minutes=1)


class ReviewSession:
    """One ``srs review`` (or preview / cram): builds the queue once, then shows cards until
    the queue is empty, the input ends, or the user quits."""
    def __init__(
        self,
        collection: Collection,
        options: SessionOptions,
        *,
        clock: Callable[[], datetime],
        timer: Callable[[], float] = time.monotonic,
        editor_run: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run,
    ) -> None:
        self.collection = collection
        self.options = options
        self.clock = clock
        self.timer = timer
        self.editor_run = editor_run
        self.preview = options.mode != Mode.REVIEW
        with collection.read() as session:
            self.scope: Scope = open_scope(session, options.deck)
        self.queue = SessionQueue(
            collection, self.scope, now=self.clock(), cram=options.mode == Mode.CRAM, new_limit=options.new_limit, review_limit=options.review_limit
        )
        self.record = SessionRecord()
        self._keys: KeySource | None = None

    @property
    def ratings(self) -> list[tuple[int, Rating]]:
        """The answers kept so far, in order: (card id, rating)."""
        return self.record.ratings

    # -- the loop

    def run(self, keys: KeySource, screen: Screen) -> SessionSummary:
        self._keys = keys
        started = self.timer()
        stopped = False
        self.queue.build(self.clock())
        rebuilt_when_empty = False
        try:
            while True:
                now = self.clock()
                if not self.preview and self.queue.day_over(now):
                    self.queue.build(now)  # a new study day began during the session
                item = self.queue.next(now)
                if item is None:
                    if not self.preview and not rebuilt_when_empty:
                        # Anything that came due meanwhile (another session, an edited note)?
                        self.queue.build(now)
                        rebuilt_when_empty = True
                        continue
                    if self._undo_at_the_end(keys, screen, started):
                        continue
                    break
                rebuilt_when_empty = False
                outcome = self._show(item, now, keys, screen)
                if outcome == "quit":
                    stopped = True
                    break
        except KeyboardInterrupt:
            stopped = True
        summary = self._summary(self.timer() - started, stopped)
        screen.show_summary(summary)
        return summary

    def _undo_at_the_end(self, keys: KeySource, screen: Screen, started: float) -> bool:
        """The queue is empty: the last answer can still be taken back (as on Anki's
        congratulations screen). At a terminal the summary says so and waits for a key;
        a script may send one more ``u``. Anything else ends the session."""
        if self.preview or not self.record.can_undo:
            return False
        while True:
            if keys.interactive:
                screen.show_summary(replace(self._summary(self.timer() - started, False), can_undo=True))
            key = keys.read()
            if key is None or key.action != Action.REDRAW:
                return key is not None and key.action == Action.UNDO and self._undo(screen)

    def _load(self, item: QueueItem, now: datetime) -> CardView | None:
        with self.collection.read_core() as connection:
            view = card_view(connection, item.card_id)
        forced = item.reps < 0
        if view is None or not view.available(now) or (not forced and view.memory.reps != item.reps):
            self.queue.remove(item.card_id)
            return None
        return view

    def _shown(self, view: CardView, now: datetime, answered_before: int) -> ShownCard:
        rules = self.scope.rules_for(view.deck_id)
        when = max(now, view.memory.last_review) if view.memory.last_review else now
        intervals = preview(view.memory, when, rules.settings, seed=view.card_id)
        counts = self.queue.counts()
        kind = view.queue_kind
        if view.card_id not in self.queue:
            counts = Counts(
                new=counts.new + (kind == QueueKind.NEW),
                learning=counts.learning + (kind == QueueKind.LEARNING),
                review=counts.review + (kind == QueueKind.REVIEW),
            )
        return ShownCard(
            view=view,
            kind=kind,
            counts=counts,
            position=answered_before + 1,
            total=answered_before + counts.total,
            intervals=intervals,
            preview=self.preview,
            timezone=self.scope.timezone,
        )

    def _show(self, item: QueueItem, now: datetime, keys: KeySource, screen: Screen) -> str:
        view = self._load(item, now)
        if view is None:
            return "skipped"
        shown = self._shown(view, now, self.record.answers)
        screen.show_card(shown)
        shown_at = self.timer()
        revealed = not keys.interactive
        while True:
            key = keys.read()
            if key is None or key.action == Action.QUIT:
                return "quit"
            if key.action == Action.REVEAL:
                if not revealed:
                    revealed = True
                    screen.show_answer(shown)
                elif keys.interactive:
                    scroll(screen, PAGE)  # Space again: the next page of a long answer
            elif key.action == Action.SCROLL:
                if revealed and keys.interactive:
                    scroll(screen, key.lines)
            elif key.action == Action.ANSWER:
                if not revealed:
                    continue  # as in Anki: the answer side first
                assert key.rating is not None
                duration = min(max(int((self.timer() - shown_at) * 1000), 0), MAX_ANSWER_MS)
                self._answer(shown.view, key.rating, duration, screen)
                return "answered"
            elif key.action == Action.UNDO:
                if self._undo(screen):
                    return "undone"
                self._redraw(shown, revealed, screen, keys)
            elif key.action in (Action.SUSPEND, Action.BURY):
                if self.preview:
                    screen.notice("preview: suspend and bury are off (nothing is changed)")
                    self._redraw(shown, revealed, screen, keys)
                    continue
                if self._flag(shown.view, key.action, screen):
                    return "changed"
            elif key.action == Action.EDIT:
                edited = self._edit(shown.view, screen)
                if edited is None:
                    return "edited"
                shown = replace(shown, view=edited)
                self._redraw(shown, revealed, screen, keys)
            elif key.action == Action.REDRAW:
                self._redraw(shown, revealed, screen, keys)
            elif key.action == Action.HELP:
                screen.show_help()
                if keys.interactive:
                    while (after := keys.read()) is not None and after.action == Action.REDRAW:
                        screen.show_help()
                    if after is None or after.action == Action.QUIT:
                        return "quit"
                    self._redraw(shown, revealed, screen, keys)

    def _redraw(self, shown: ShownCard, revealed: bool, screen: Screen, keys: KeySource) -> None:
        """Draw the card again (at a terminal), with the notices of what just happened."""
        if not keys.interactive:
            return
        (screen.show_answer if revealed else screen.show_card)(shown)

    # -- actions

    def _answer(self, view: CardView, rating: Rating, duration_ms: int, screen: Screen) -> None:
        now = self.clock()
        if self.preview:
            self.record.previewed(view.card_id, rating)
            again = None
            if rating == Rating.AGAIN:
                again = QueueItem(view.card_id, view.note_key, QueueKind.LEARNING, now + PREVIEW_AGAIN_DELAY, view.memory.reps)
            self.queue.answered(view.card_id, again)
            screen.previewed(view.card_id, rating)
            return
        rules = self.scope.rules_for(view.deck_id)
        try:
            outcome = answer_card(
                self.collection,
                view.card_id,
                rating,
                now=now,
                rules=rules,
                duration_ms=duration_ms,
                expect_reps=view.memory.reps,
                bury_until=self.queue.bury_until(now) if rules.bury_siblings else None,
                siblings=view.has_siblings,
                shown=Shown.of(view),
            )
        except CardChanged as error:
            self.queue.remove(view.card_id)
            screen.notice(error.message)
            return
        self.record.answered(view.deck_id, rating, outcome)
        if outcome.leech:
            self.queue.remove(view.card_id)
        else:
            self.queue.answered(view.card_id, requeued_item(view.card_id, view.note_key, outcome.memory, now, self.queue.day_end))
        for sibling_id, _ in outcome.buried:
            self.queue.remove(sibling_id)
        screen.answered(outcome, lapses=outcome.memory.lapses)

    def _undo(self, screen: Screen) -> bool:
        if self.preview:
            screen.notice("preview: nothing to undo (nothing is changed)")
            return False
        if not self.record.can_undo:
            screen.notice("nothing to undo")
            return False
        entry = self.record.take_back()
        now = self.clock()
        try:
            if entry.answer is not None:
                outcome = entry.answer
                undo_answer(self.collection, outcome, settings=self.scope.rules_for(entry.deck_id).settings, now=now)
                self.record.forget(outcome)
                card_id, what = outcome.card_id, "answer"
            else:
                assert entry.flags is not None
                restore_flags(self.collection, entry.flags, now=now)
                card_id, what = entry.flags.card_id, entry.flags.action
        except CardChanged as error:
            screen.notice(error.message)
            return False
        screen.undone(what, card_id)
        self.queue.build(now)
        self.queue.force(card_id)
        return True

    def _flag(self, view: CardView, action: Action, screen: Screen) -> bool:
        now = self.clock()
        try:
            if action == Action.SUSPEND:
                change = suspend_card(self.collection, view.card_id, now=now)
            else:
                change = bury_card(self.collection, view.card_id, until=self.queue.bury_until(now), now=now)
        except CardChanged as error:
            self.queue.remove(view.card_id)
            screen.notice(error.message)
            return True
        self.record.flagged(view.deck_id, change)
        self.queue.remove(view.card_id)
        screen.changed(change)
        return True

    def _edit(self, view: CardView, screen: Screen) -> CardView | None:
        """Open the card's source in the editor, re-import it; the card as it now is (None:
        it is gone, go on with the next card)."""
        if not view.source_path:
            screen.notice(f"card {view.card_id} has no source file to edit")
            return view
        path = Path(view.source_path)
        if not path.exists():
            screen.notice(f"{path}: no longer exists")
            return view

        with self.collection.read() as session:
            setting = str(get_setting(session, "editor") or "")
        paused = getattr(self._keys, "paused", None)
        try:
            with paused() if paused is not None else nullcontext():
                launch_editor(editor_command(setting, self.options.environ), path, view.source_line, self.editor_run)
            screen.notice(reimport_source(self.collection, path, now=self.clock()))
        except SrsError as error:
            screen.notice(error.location_message)
            return view
        now = self.clock()
        with self.collection.read() as session:
            edited = card_view(session, view.card_id)
        if edited is None or not edited.available(now):
            screen.notice(f"card {view.card_id} is no longer in the notes")
            self.queue.remove(view.card_id)
            return None
        return edited

    # -- the end

    def _summary(self, seconds: float, stopped: bool) -> SessionSummary:
        return session_summary(self.queue, self.record, now=self.clock(), seconds=seconds, stopped=stopped, preview=self.preview)


def run_review(
    collection: Collection,
    options: SessionOptions,
    *,
    keys: KeySource,
    screen: Screen,
    clock: Callable[[], datetime],
) -> SessionSummary:
    """Run one review session to its end (the command's one library call)."""
    return ReviewSession(collection, options, clock=clock).run(keys, screen)


__all__ = [
    "END",
    "PAGE",
    "QUIT",
    "Action",
    "Key",
    "KeySource",
    "Mode",
    "ReviewSession",
    "Screen",
    "SessionOptions",
    "ShownCard",
    "run_review",
]
