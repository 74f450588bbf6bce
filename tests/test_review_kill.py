"""Kill `srs review` (non-terminal mode) with SIGKILL at random moments, many times.

After every kill: the collection passes ``PRAGMA integrity_check``; every answer the process
acknowledged (``answered <card> <Rating> -> due <iso> (review <id>)``, printed only after its
commit) is in the log as acknowledged; at most one answer beyond the acknowledged ones was
committed (the one in flight); and every card's stored state equals the replay of its log.
Runs continue on the same collection, so each session also starts from a killed one.

20 runs in ``make test``; ``SRS_SOAK=N`` runs N (see README, "Safety").
"""

from __future__ import annotations

import os
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from factories import add_card
from killing import integrity_errors, project_root, run_killed, soak_runs, srs_command
from reviewing import assert_replays, set_preset
from sqlalchemy import func, select

from srs.store.models import Review

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
ACK = re.compile(r"^answered (\d+) (Again|Hard|Good|Easy) -> due (\S+) \(review (\d+)\)$")
RATINGS = {"Again": 1, "Hard": 2, "Good": 3, "Easy": 4}
CARDS = 300


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_killing_review_at_random_moments_loses_no_acknowledged_answer(collection, db_path: Path) -> None:
    set_preset(collection, new_per_day=1000, reviews_per_day=1000)
    with collection.write() as session:
        for index in range(CARDS):
            add_card(session, now=NOW, deck="Plan" if index % 2 else "Papers::NLP", note_key=f"note{index // 3}" if index % 5 == 0 else None)
    seed = int(os.environ.get("SRS_KILL_SEED", "20260302"))
    rng = random.Random(seed)
    runs = soak_runs(20)
    killed = acknowledged_total = 0
    for run_number in range(runs):
        now = NOW + timedelta(days=run_number, minutes=7 * run_number)  # reviews come due too
        with collection.read() as session:
            rows_before = session.scalar(select(func.count()).select_from(Review)) or 0
        answers = "".join(f"{rng.choice('1233334')}\n" for _ in range(120))
        env = {**os.environ, "SRS_DB": str(db_path), "SRS_NOW": now.isoformat()}
        run = run_killed(
            srs_command("review"),
            env=env,
            stdin=answers,
            start_marker="card ",
            kill_after=rng.uniform(0.0, 0.5),
            cwd=project_root(),
        )
        context = f"run {run_number} (seed {seed}): killed={run.killed} rc={run.returncode} stderr={run.stderr[-500:]!r}"
        assert run.killed or run.returncode == 0, context
        assert "Traceback" not in run.stderr, context
        killed += run.killed

        assert integrity_errors(db_path) == [], context
        acks = [ACK.match(line) for line in run.starting("answered ")]
        assert all(acks), context
        with collection.read() as session:
            for match in acks:
                assert match is not None
                card_id, rating, due, review_id = int(match[1]), RATINGS[match[2]], datetime.fromisoformat(match[3]), int(match[4])
                row = session.get(Review, review_id)
                assert row is not None, f"{context}: acknowledged review {review_id} is not in the log"
                assert (row.card_id, row.rating, row.due) == (card_id, rating, due), context
            rows_after = session.scalar(select(func.count()).select_from(Review)) or 0
        written = rows_after - rows_before
        # Everything acknowledged was written; at most one more (committed, killed before its line).
        assert len(acks) <= written <= len(acks) + (1 if run.killed else 0), context
        acknowledged_total += len(acks)
        assert assert_replays(collection) == CARDS, context
    # The harness really interrupted sessions in flight, and they really answered cards.
    assert killed >= runs // 3, f"only {killed} of {runs} runs were killed"
    assert acknowledged_total >= runs, acknowledged_total
