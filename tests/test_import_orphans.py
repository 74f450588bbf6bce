"""``srs import`` killed with SIGKILL leaves no process behind (issue 21, defect 1).

The import reads a large folder in a pool of worker processes. A parent killed with SIGKILL
runs no clean-up, so the workers must notice the death themselves (parent-death signal and a
check that the parent is still there, ``srs.app.importing``). Each run starts the import as the
leader of a new session; every process it starts inherits that session id, so after the kill
any process still in the session is an orphan. ``ORPHAN_KILL_RUNS`` kills run in ``make test``;
the long version (``slow``) kills 20 times at random moments as the issue asks.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from killing import project_root, soak_runs, srs_command

ORPHAN_KILL_RUNS = 3
FILES = 3000
GRACE = 2.0  # seconds the workers have to end after their parent died


def _write_notes(folder: Path, files: int) -> None:
    folder.mkdir()
    for number in range(files):
        cards = "\n".join(f"Question {number}.{card}?::answer {card}" for card in range(4))
        (folder / f"note{number:05}.md").write_text(f"# Note {number}\n\n{cards}\n", encoding="utf-8")


def _session_members(session: int) -> list[int]:
    """The live (not zombie) processes whose session id is ``session``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, sid = fields[0], int(fields[3])
        if sid == session and state != "Z":
            members.append(int(entry.name))
    return members


def _kill_during_import(env: dict[str, str], folder: Path, delay: float) -> tuple[list[int], bool]:
    """Start ``srs import``, SIGKILL it ``delay`` seconds after its pool started; the session's processes left
    ``GRACE`` seconds later, and whether the pool had started (a worker was seen)."""
    process = subprocess.Popen(
        srs_command("import", str(folder), "--deck", "Notes"),
        env=env,
        cwd=project_root(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    session = process.pid
    # The clock starts when the pool is up (a loaded machine may take seconds to get there).
    start_by = time.monotonic() + 60
    while process.poll() is None and len(_session_members(session)) < 2 and time.monotonic() < start_by:
        time.sleep(0.02)
    pool_seen = len(_session_members(session)) > 1
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    try:
        os.kill(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(30)
    end = time.monotonic() + GRACE
    left = _session_members(session)
    while left and time.monotonic() < end:
        time.sleep(0.05)
        left = _session_members(session)
    for pid in left:  # do not leave them running after the test
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left, pool_seen


def _run(tmp_path: Path, runs: int, rng: random.Random) -> None:
    folder = tmp_path / "notes"
    _write_notes(folder, FILES)
    pools = 0
    for run in range(runs):
        # A collection of its own per run: a run that finished before its kill would leave every
        # file unchanged for the next, which would then start no pool and prove nothing.
        env = {**os.environ, "SRS_DB": str(tmp_path / f"c{run}.db"), "SRS_NOW": "2026-03-02T12:00:00+00:00"}
        delay = rng.uniform(0.0, 1.0) if run else 0.5  # after the pool started
        left, pool_seen = _kill_during_import(env, folder, delay)
        pools += pool_seen
        assert left == [], f"run {run}: killed after {delay:.2f}s, processes left after {GRACE}s: {left}"
    assert pools == runs, f"only {pools} of {runs} runs had started their pool of workers: the test proves less"


@pytest.mark.sqlite_only
def test_killed_import_leaves_no_worker_behind(tmp_path: Path) -> None:
    _run(tmp_path, ORPHAN_KILL_RUNS, random.Random(21))


@pytest.mark.sqlite_only
@pytest.mark.slow
def test_killed_import_leaves_no_worker_behind_at_twenty_random_moments(tmp_path: Path) -> None:
    _run(tmp_path, soak_runs(20), random.Random(2021))
