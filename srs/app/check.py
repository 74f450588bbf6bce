"""``srs check [--fix]``: find damage in a collection and repair what can be repaired.

Like Anki's Check Database. What is looked for, in the order repairs are made:

1. the database itself (``PRAGMA integrity_check`` on SQLite; every table readable and no
   invalid index on PostgreSQL); repaired by rebuilding the indexes, else restore a backup:
   then ``--fix`` repairs nothing else, and the checks that cannot read their rows are
   skipped (the report names them);
2. stored times that are not times (text written into an SQLite column by hand, a number
   out of the range of dates), which every other command stops at: a card's due and last
   review are set to the replay of its log, a review's due to its time plus its interval, a
   review without a time is deleted (it cannot be replayed), other times become now;
3. preset values out of their allowed range (reset to the default value) and collection
   settings that are invalid (reset to the default);
4. decks whose preset is missing (given the Default preset), cards whose deck is missing
   (moved to the Default deck), links to a missing source or import root (cleared);
5. review rows with a rating other than 1-4 (deleted: they cannot be replayed);
6. review rows whose card is missing (possible when foreign keys were off): the history is
   kept by re-homing it on a placeholder card with the missing id, retired and suspended, in
   the deck "Orphaned reviews" (statistics and the optimizer keep using the answers);
7. cards whose Markdown file no longer exists (retired, like ``srs import`` retires cards
   whose note is gone; the history stays);
8. cards whose stored memory state differs from the replay of their review log (set to the
   replay: the log is the source of truth).

Everything ``--fix`` does happens in one transaction: all of it or, on error, none of it.
What a run reports: :mod:`srs.app.check_report`; the presets' and settings' rules (step 3):
:mod:`srs.app.check_presets`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from srs.app.check_presets import drop_settings, preset_finding, read_presets, reset_presets, settings_finding, settings_problems
from srs.app.check_report import EXAMPLES, RESTORE, CheckReport, Finding, short
from srs.app.check_stats_caches import cache_problems
from srs.domain.scheduling import SchedulerSettings, replay
from srs.errors import DamagedError
from srs.store import check as q
from srs.store import check_times as t
from srs.store.check import cards_of_reviews, is_damage
from srs.store.collection import Collection, one_line
from srs.store.decks import get_or_create_deck
from srs.store.models import DEFAULT_PRESET_NAME
from srs.text import plain, plural

__all__ = ["CheckReport", "Finding", "check_collection"]


def _record(findings: list[Finding], finding: Finding, repair: Callable[[], object] | None) -> None:
    """Add ``finding``; with a ``repair`` (given under --fix), run it and mark it fixed."""
    if repair is not None:
        repair()
        finding.fixed = True
    findings.append(finding)


def check_collection(
    collection: Collection,
    *,
    now: datetime,
    fix: bool = False,
    file_exists: Callable[[str], bool] = os.path.exists,
) -> CheckReport:
    """Look for every kind of damage; with ``fix``, repair it in one transaction.

    When the database itself stays damaged after its indexes are rebuilt, ``fix`` repairs
    nothing (writing into a damaged file can only make it worse, and SQLite refuses to commit
    what read its damaged pages): the report says what was found and to restore a backup.
    """
    if fix:
        try:
            return collection.transact(lambda session: _run(session, collection, now, True, file_exists))
        except _NeedsRestore:
            pass
    with collection.read() as session:
        report = _run(session, collection, now, False, file_exists)
        # Read only: nothing to commit, and SQLite fails the COMMIT of a transaction that
        # read a damaged page ("database disk image is malformed").
        session.rollback()
    if fix:
        report.fix = True
        report.refused_fix = True
    return report


def _run(session: Any, collection: Collection, now: datetime, fix: bool, file_exists: Callable[[str], bool]) -> CheckReport:
    return _Check(session, collection, now, fix, file_exists).run()


class _NeedsRestore(Exception):
    """Under --fix: the database is damaged beyond its indexes; roll back, repair nothing."""


class _Check:
    """One run of the checks, in the order repairs are made (see the module docstring).

    When the database itself is damaged beyond what rebuilding the indexes repairs, a check
    whose query cannot read its rows is skipped (and rolled back to its savepoint under
    --fix) instead of ending the run: the report still says what was found and what to do.
    """

    def __init__(self, session: Any, collection: Collection, now: datetime, fix: bool, file_exists: Callable[[str], bool]) -> None:
        self.session = session
        self.collection = collection
        self.now = now
        self.fix = fix
        self.file_exists = file_exists
        self.findings: list[Finding] = []
        self.skipped: list[tuple[str, str]] = []  # (what was not checked, why)
        self.damaged = False  # integrity problems remain: reads may fail
        self.preset_settings: dict[int, SchedulerSettings] | None = None
        self.default_id: int | None = None
        self.unreadable_cards: set[int] = set()  # left out of the replay comparison
        self.replayed: set[int] = set()  # set to the replay as part of another repair

    def run(self) -> CheckReport:
        self.integrity()
        if self.damaged and self.fix:
            raise _NeedsRestore
        steps: list[tuple[str, Callable[[], None]]] = [
            ("stored times", self.times),
            ("presets and settings", self.presets),
            ("links between rows", self.links),
            ("review ratings", self.ratings),
            ("reviews without a card", self.orphans),
            ("note files", self.files),
            ("statistics caches", lambda: cache_problems(self.session, lambda problem: self.record(Finding(*problem[:5]), problem.fix))),
        ]
        for what, step in steps:
            self.attempt(what, step)
        if self.preset_settings is None:
            self.skipped.append(("card states against their logs", "they need the presets"))
        else:
            self.attempt("card states against their logs", self.states)
        if self.fix:
            self.session.flush()
        counted: list[tuple[int, int]] = []
        self.attempt("the number of cards and reviews", lambda: counted.append(q.counts(self.session)), report=False)
        cards, reviews = counted[0] if counted else (None, None)
        return CheckReport(self.collection.name, cards, reviews, self.findings, self.fix, self.skipped)

    def attempt(self, what: str, step: Callable[[], None], *, report: bool = True) -> bool:
        """Run ``step`` in a savepoint; a read it cannot make (a damaged page or value) skips it."""
        try:
            with self.session.begin_nested():
                step()
        except DamagedError as error:
            reason = error.message
        except Exception as error:
            # In a damaged database any failure of a read is the damage: a page that cannot be
            # read, or rows that read as garbage (NULL where the schema forbids it...).
            if not self.damaged:
                raise
            reason = one_line(str(error.orig)) if is_damage(error) and getattr(error, "orig", None) else "the rows read are damaged"
        else:
            return True
        if report:
            self.skipped.append((what, reason))
        return False

    def record(self, finding: Finding, repair: Callable[[], object] | None) -> None:
        _record(self.findings, finding, repair if self.fix else None)

    # 1. The database itself.
    def integrity(self) -> None:
        problems = q.integrity_problems(self.session)
        if not problems:
            return
        index_only = all("index" in problem for problem in problems)
        finding = Finding(
            "integrity", len(problems), f"database integrity check failed ({plural(len(problems), 'problem')})",
            "rebuild the indexes" if index_only else f"rebuild the indexes; if the damage is not in them, {RESTORE}",
            [short(p, 100) for p in problems[:EXAMPLES]],
        )
        remaining = problems
        if self.fix:
            try:
                with self.session.begin_nested():
                    q.reindex(self.session)
                remaining = q.integrity_problems(self.session)
            except Exception as error:
                if not q.is_damage(error):
                    raise
            finding.fixed = not remaining
        self.damaged = bool(remaining)
        self.findings.append(finding)

    # 2. Stored times that are not times (SQLite takes any value in any column).
    def times(self) -> None:
        bad = t.bad_times(self.session)
        if not bad:
            return
        singular = {"presets": "preset", "decks": "deck", "import_roots": "import root", "sources": "source", "cards": "card", "reviews": "review"}
        finding = Finding(
            "time", len(bad), f"{plural(len(bad), 'stored time')} that cannot be read as {'a time' if len(bad) == 1 else 'times'} or lie outside 1970-2199",
            "set them from the review log (a card's due and last review, a review's due) or else to now; "
            "a review without a time is deleted (it cannot be replayed)",
            [short(f"{singular[b.table]} {b.row_id}: {b.column} = {b.value!r}", 100) for b in bad[:EXAMPLES]],
        )
        review_cards = cards_of_reviews(self.session, [b.row_id for b in bad if (b.table, b.column) == ("reviews", "reviewed_at")])
        state_cards = {b.row_id for b in bad if (b.table, b.column) in t.REPLAYED_TIMES}
        if self.fix:
            self.replayed |= state_cards | set(review_cards)
        else:
            self.unreadable_cards |= state_cards | set(review_cards)
        self.record(finding, lambda: t.repair_times(self.session, bad, self.now))

    # 3. Presets and collection settings.
    def presets(self) -> None:
        preset_rows = q.presets(self.session)
        settings, bad_presets = read_presets(preset_rows, self.now)
        self.default_id = next((p.id for p in preset_rows if p.name == DEFAULT_PRESET_NAME), None)
        if bad_presets:
            self.record(preset_finding(bad_presets), lambda: reset_presets(self.session, bad_presets, self.now))
        bad_settings = settings_problems(q.settings_rows(self.session))
        if bad_settings:
            self.record(settings_finding(bad_settings), lambda: drop_settings(self.session, bad_settings))
        self.preset_settings = settings

    # 4. Broken links between rows.
    def links(self) -> None:
        session, now = self.session, self.now
        default_id = self.default_id
        decks = q.decks_without_preset(session)
        if decks:
            finding = Finding(
                "deck_preset", len(decks), f"{plural(len(decks), 'deck')} without a preset", f"give them the {DEFAULT_PRESET_NAME} preset",
                [f"deck {name!r} (preset {missing} is missing)" for _, name, missing in decks[:EXAMPLES]],
            )
            self.record(finding, None if default_id is None else (lambda: q.set_deck_presets(session, [d for d, _, _ in decks], default_id)))
        homeless = q.cards_without_deck(session)
        if homeless:
            finding = Finding(
                "card_deck", len(homeless), f"{plural(len(homeless), 'card')} without a deck", "move them to the Default deck",
                [f"card {card} (deck {deck} is missing)" for card, deck in homeless[:EXAMPLES]],
            )
            self.record(finding, lambda: q.move_cards(session, [c for c, _ in homeless], get_or_create_deck(session, "Default", now).id, now))
        source_links = q.dangling_source_links(session)
        if source_links:
            finding = Finding(
                "source_link", len(source_links), f"{plural(len(source_links), 'card')} linked to a missing source record",
                "clear the link (the next srs import links them again)", [f"card {c}" for c in source_links[:EXAMPLES]],
            )
            self.record(finding, lambda: q.clear_source_links(session, source_links))
        root_links = q.dangling_root_links(session)
        if root_links:
            finding = Finding(
                "root_link", len(root_links), f"{plural(len(root_links), 'source record')} linked to a missing import root",
                "clear the link", [f"source {s}" for s in root_links[:EXAMPLES]],
            )
            self.record(finding, lambda: q.clear_root_links(session, root_links))

    # 5. Log rows that cannot be replayed.
    def ratings(self) -> None:
        invalid = q.invalid_rating_reviews(self.session)
        if invalid:
            finding = Finding(
                "rating", len(invalid), f"{plural(len(invalid), 'review')} with a rating other than 1-4 (or 0, a manual entry)",
                "delete them (they cannot be replayed)", [f"review {r} of card {c}: rating {rating}" for r, c, rating in invalid[:EXAMPLES]],
            )
            self.record(finding, lambda: q.delete_reviews(self.session, [r for r, _, _ in invalid]))

    # 6. Reviews without a card.
    def orphans(self) -> None:
        orphans = q.orphan_reviews(self.session)
        if not orphans:
            return
        total = sum(n for _, n in orphans)
        finding = Finding(
            "orphan", total, f"{plural(total, 'review')} of {plural(len(orphans), 'missing card')}",
            "keep the history on a retired placeholder card per missing card, in the deck \"Orphaned reviews\"",
            [f"card {card}: {plural(n, 'review')}" for card, n in orphans[:EXAMPLES]],
        )

        def rehome() -> None:
            deck = get_or_create_deck(self.session, q.ORPHAN_DECK, self.now)
            q.rehome_orphan_reviews(self.session, [c for c, _ in orphans], deck_id=deck.id, now=self.now)
            self.replayed |= {c for c, _ in orphans}  # their state is set to the replay below, as part of this repair

        self.record(finding, rehome)

    # 7. Cards whose file is gone.
    def files(self) -> None:
        missing = [path for path in q.active_source_paths(self.session) if os.path.isabs(path) and not self.file_exists(path)]
        if not missing:
            return
        card_ids = q.active_cards_from(self.session, missing)
        finding = Finding(
            "missing_file", len(card_ids), f"{plural(len(card_ids), 'card')} from {plural(len(missing), 'file')} that no longer {'exists' if len(missing) == 1 else 'exist'}",
            "retire the cards (their history is kept; they come back if the file does and is imported)",
            [short(path, 100) for path in missing[:EXAMPLES]],
        )
        self.record(finding, lambda: q.retire_cards(self.session, card_ids, self.now))

    # 8. Card states against the replay of their logs (after the repairs above).
    def states(self) -> None:
        session, fix = self.session, self.fix
        preset_settings = self.preset_settings or {}
        default_settings = preset_settings.get(self.default_id) if self.default_id is not None else None
        deck_preset = q.deck_presets(session)
        mismatched = 0
        examples: list[str] = []
        pending: list[tuple[int, Any]] = []
        unreplayable: list[str] = []
        for log in q.card_logs(session, skip=self.unreadable_cards):
            preset_id = deck_preset.get(log.deck_id)
            settings = preset_settings.get(preset_id) if preset_id is not None else None
            settings = settings or default_settings or SchedulerSettings()
            try:
                expected = replay(log.events, settings, seed=log.card_id)
            except (ArithmeticError, ValueError) as error:  # a log no scheduler can follow: report it, go on
                unreplayable.append(f"card {log.card_id} \"{short(plain(log.front), 40)}\": {short(str(error), 60)}")
                continue
            if expected == log.stored:
                continue
            if log.card_id in self.replayed:
                pending.append((log.card_id, expected))
                continue
            mismatched += 1
            if len(examples) < EXAMPLES:
                examples.append(f"card {log.card_id} \"{short(plain(log.front), 40)}\": {_difference(log.stored, expected)}")
            if fix:
                pending.append((log.card_id, expected))
            if len(pending) >= 1000:
                q.store_memories(session, pending, self.now)
                pending.clear()
        if fix:
            q.store_memories(session, pending, self.now)
        if unreplayable:
            self.findings.append(
                Finding(
                    "replay", len(unreplayable), f"{plural(len(unreplayable), 'card')} whose review log cannot be replayed",
                    f"left as they are; {RESTORE}", unreplayable[:EXAMPLES], repairable=False,
                )
            )
        if mismatched:
            self.findings.append(
                Finding(
                    "state", mismatched, f"{plural(mismatched, 'card')} whose stored state differs from the replay of {'its' if mismatched == 1 else 'their'} review log",
                    "set them to the replay", examples, fixed=fix,
                )
            )


_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.4g}"
    return getattr(value, "name", str(value)).lower() if hasattr(value, "name") else str(value)


def _difference(stored: Any, expected: Any) -> str:
    """``stability 3 (log: 2.307), reps 7 (log: 3)``: the fields that differ, at most three."""
    parts = [f"{name.replace('_', ' ')} {_show(getattr(stored, name))} (log: {_show(getattr(expected, name))})" for name in _FIELDS if getattr(stored, name) != getattr(expected, name)]
    return ", ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")
