"""A harness that kills a command with SIGKILL at a random moment and reports what it said.

Reusable for any ``srs`` command that acknowledges its work on stdout (``srs review`` in
non-terminal mode prints ``answered ...`` after each commit; ``srs import`` can be killed the
same way)::

    run = run_killed([sys.executable, "-m", "srs", "review"], env=env, stdin="3\\n1\\n...",
                     start_marker="card ", kill_after=rng.uniform(0, 0.3))
    run.lines, run.killed, run.returncode

``start_marker`` starts the clock when the first line beginning with it appears (so the
kill lands in the work, not in Python's start-up); without it the clock starts at launch.
After each run, check the collection with :func:`integrity_errors` and the command's own
invariants. :func:`soak_runs` gives the number of runs: ``default`` in ``make test``, or
``SRS_SOAK`` when set (a longer soak, see README).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SOAK_VAR = "SRS_SOAK"


def soak_runs(default: int) -> int:
    """How many kill runs: ``SRS_SOAK`` if set to a positive number, else ``default``."""
    value = os.environ.get(SOAK_VAR, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return default


@dataclass
class KilledRun:
    """One run: the stdout lines printed before it ended, and how it ended."""

    lines: list[str] = field(default_factory=list)
    stderr: str = ""
    returncode: int | None = None
    killed: bool = False  # we sent SIGKILL while it was still running
    seconds: float = 0.0

    def starting(self, prefix: str) -> list[str]:
        return [line for line in self.lines if line.startswith(prefix)]


def run_killed(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    kill_after: float,
    stdin: str | None = None,
    start_marker: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
) -> KilledRun:
    """Run ``argv``, feed it ``stdin`` (then close it), and SIGKILL it ``kill_after``
    seconds after the first stdout line starting with ``start_marker`` (or after launch).
    A command that finishes first is not killed. Never waits longer than ``timeout``."""
    result = KilledRun()
    started = time.monotonic()
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=cwd,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
    )
    marker_seen = threading.Event()
    if start_marker is None:
        marker_seen.set()

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            result.lines.append(line)
            if start_marker is not None and line.startswith(start_marker):
                marker_seen.set()
        marker_seen.set()  # output ended: nothing more to wait for

    errors: list[str] = []

    def read_stderr() -> None:
        assert process.stderr is not None
        errors.append(process.stderr.read())

    def write_stdin() -> None:
        assert process.stdin is not None
        try:
            process.stdin.write(stdin or "")
            process.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    threads = [threading.Thread(target=read_stdout, daemon=True), threading.Thread(target=read_stderr, daemon=True)]
    if stdin is not None:
        threads.append(threading.Thread(target=write_stdin, daemon=True))
    for thread in threads:
        thread.start()
    try:
        marker_seen.wait(timeout)
        deadline = time.monotonic() + kill_after
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(min(0.001, max(deadline - time.monotonic(), 0)))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            result.killed = True
        process.wait(timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for thread in threads:
            thread.join(5)
    result.returncode = process.returncode
    result.stderr = "".join(errors)
    result.seconds = time.monotonic() - started
    return result


def integrity_errors(db_path: str | os.PathLike[str]) -> list[str]:
    """``PRAGMA integrity_check`` of an SQLite file (recovering its WAL first): [] when ok."""
    connection = sqlite3.connect(str(db_path))
    try:
        rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()
    return [] if rows == ["ok"] else rows


def srs_command(*args: str) -> list[str]:
    """``srs ARGS`` run from this checkout's interpreter."""
    return [sys.executable, "-m", "srs", *args]


def project_root() -> Path:
    return Path(__file__).resolve().parents[1]
