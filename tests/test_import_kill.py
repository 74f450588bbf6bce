"""Kill ``srs import`` with SIGKILL at random moments, many times (tests/killing.py).

Each run changes the notes (new files, edited cards, deleted files), answers a few cards, then
imports with a kill somewhere between start-up and the end of the import. After every run:
``PRAGMA integrity_check`` is ok; the collection is exactly as it was before the run or exactly
what a complete import gives (computed on a copy of the before-state, in this process); and
every card's stored state equals the replay of its log. Runs continue on the same collection
and notes, so an import also starts from one that was killed.

``IMPORT_KILL_RUNS`` runs in ``make test``; ``SRS_SOAK=N`` runs N (README, "Reliability").
"""

from __future__ import annotations

import os
import random
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from killing import integrity_errors, project_root, run_killed, soak_runs, srs_command
from reviewing import set_preset
from sqlalchemy import select

from srs.app.check import check_collection
from srs.domain.scheduling import SchedulerSettings, answer
from srs.store.collection import Collection
from srs.store.models import Base, Card
from srs.store.presets import preset_for_deck
from srs.store.reviews import card_memory, record_answer

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
IMPORT_KILL_RUNS = 80  # with the review kill test's 20: 100 kills in make test
FILES = 40
CARDS_PER_FILE = 12


def _note(number: int, version: int, rng: random.Random) -> str:
    lines = [f"# Note {number}", "", f"Some context for note {number}, version {version}.", ""]
    for card in range(CARDS_PER_FILE):
        answer_text = f"answer {card} v{version}" if rng.random() < 0.3 else f"answer {card}"
        lines.append(f"Question {number}.{card} about topic {number % 7}?::{answer_text}")
    lines += ["", "## Details", "", f"- [x] task {number} done", "  notes on the task", ""]
    return "\n".join(lines)


class Notes:
    """A folder of notes that changes a little before every run (mtimes move on each write)."""

    def __init__(self, folder: Path, rng: random.Random) -> None:
        self.folder = folder
        self.rng = rng
        self.next_number = 0
        self.versions: dict[int, int] = {}
        self.clock = time.time() - 10_000_000
        folder.mkdir()
        for _ in range(FILES):
            self.add()

    def _write(self, number: int) -> None:
        path = self.folder / f"note{number:04}.md"
        path.write_text(_note(number, self.versions[number], self.rng), encoding="utf-8")
        self.clock += 10
        os.utime(path, (self.clock, self.clock))

    def add(self) -> None:
        self.versions[self.next_number] = 0
        self._write(self.next_number)
        self.next_number += 1

    def change(self) -> None:
        """New files, edited files and deleted files; the folder stays about FILES large, so
        every run costs the same."""
        for _ in range(self.rng.randint(1, 4)):
            self.add()
        for number in self.rng.sample(sorted(self.versions), k=min(5, len(self.versions))):
            self.versions[number] += 1
            self._write(number)
        deletions = self.rng.randint(1, 3) if len(self.versions) > FILES else self.rng.randint(0, 1)
        for number in self.rng.sample(sorted(self.versions), k=deletions):
            del self.versions[number]
            (self.folder / f"note{number:04}.md").unlink()


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(f"sqlite:///{url}")
    try:
        with engine.connect() as connection:
            return {t.name: [tuple(r) for r in connection.execute(sa.select(t).order_by(*t.primary_key.columns))] for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def _keep_a_copy(db_path: Path, scratch: Path) -> None:
    from srs.store.backup import copy_sqlite

    for leftover in scratch.parent.glob(scratch.name + "*"):
        leftover.unlink()
    copy_sqlite(db_path, scratch)


def _complete_import_of_the_copy(scratch: Path, notes: Path, now: datetime) -> dict[str, list[tuple[Any, ...]]]:
    """What a complete ``srs import NOTES --deck Notes`` makes of the copy of the before-state."""
    from srs.app.importing import import_notes

    with Collection.open(str(scratch), now=now) as copy:
        import_notes(copy, [str(notes)], now=now, deck="Notes", cwd=project_root(), workers=1)
    return _dump(str(scratch))


def _answer_some(collection: Collection, rng: random.Random, now: datetime) -> None:
    def action(session: Any) -> None:
        ids = session.scalars(select(Card.id).where(Card.retired_at.is_(None)).order_by(Card.id)).all()
        for card_id in rng.sample(ids, k=min(15, len(ids))):
            card = session.get(Card, card_id)
            settings = SchedulerSettings.from_preset(preset_for_deck(session, card.deck_id))
            when = max(now, card.last_review or now)
            record_answer(session, card, answer(card_memory(card), rng.choice([1, 3, 3, 4]), when, settings, seed=card.id))

    collection.transact(action)


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_killing_import_at_random_moments_leaves_it_all_or_nothing(collection: Collection, db_path: Path, tmp_path: Path) -> None:
    set_preset(collection)
    seed = int(os.environ.get("SRS_KILL_SEED", "20260302"))
    rng = random.Random(seed)
    notes = Notes(tmp_path / "notes", rng)
    scratch = tmp_path / "scratch" / "expected.db"
    scratch.parent.mkdir()
    env = {**os.environ, "SRS_DB": str(db_path)}
    command = srs_command("import", str(notes.folder), "--deck", "Notes")

    # A complete first import: the collection has cards, and the time an import takes.
    first = run_killed(command, env={**env, "SRS_NOW": NOW.isoformat()}, kill_after=120.0, cwd=project_root())
    assert first.returncode == 0 and not first.killed, first.stderr
    window = first.seconds * 1.3  # about a quarter of the runs finish: both outcomes occur

    runs = soak_runs(IMPORT_KILL_RUNS)
    outcomes = {"before": 0, "after": 0}
    killed = 0
    before_in_a_row = 0  # kills that all landed before the commit: the window may be too short
    for run_number in range(runs):
        now = NOW + timedelta(days=run_number + 1)
        notes.change()
        _answer_some(collection, rng, now)
        before = _dump(str(db_path))
        _keep_a_copy(db_path, scratch)

        run = run_killed(command, env={**env, "SRS_NOW": now.isoformat()}, kill_after=rng.uniform(0.0, window), cwd=project_root())
        context = f"run {run_number} (seed {seed}): killed={run.killed} rc={run.returncode} after {run.seconds:.2f}s stderr={run.stderr[-400:]!r}"
        assert run.killed or run.returncode == 0, context
        assert "Traceback" not in run.stderr, context
        killed += run.killed
        if not run.killed:
            window = max(window, run.seconds * 1.3)

        assert integrity_errors(db_path) == [], context
        after = _dump(str(db_path))
        if after == before:
            assert run.killed, f"{context}: a complete import changed nothing"
            outcomes["before"] += 1
            before_in_a_row += 1
            if before_in_a_row >= 6:
                # On a loaded machine a re-import can take longer than 1.3x the first import:
                # then every kill lands before the commit. Widen the window until one completes.
                window *= 1.25
                before_in_a_row = 0
        else:
            before_in_a_row = 0
            expected = _complete_import_of_the_copy(scratch, notes.folder, now)
            assert after == expected, f"{context}: the collection is neither as before nor as after the import"
            outcomes["after"] += 1
        # Every card's state is the replay of its log, and no other damage (srs check's queries).
        report = check_collection(collection, now=now, file_exists=lambda _path: True)
        assert report.findings == [], f"{context}: {report.lines()}"
    assert killed >= runs // 3, f"only {killed} of {runs} runs were killed: {outcomes}"
    if runs >= 10:
        assert outcomes["before"] and outcomes["after"], f"the kills did not land on both sides of the commit: {outcomes}"
    shutil.rmtree(scratch.parent, ignore_errors=True)
