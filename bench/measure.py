"""Running one command in a child process and measuring it: wall time, CPU, peak RSS.

Peak RSS comes from ``os.wait4`` on the child itself, so it is exactly that command's peak
(Linux reports the maximum of the child and of any of its own children it waited for), not
the harness's or another command's. Each measurement is repeated; the table shows medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class CommandFailed(RuntimeError):
    """A measured command exited non-zero: the figure would be meaningless."""

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str) -> None:
        tail = stderr.strip().splitlines()[-3:] if stderr.strip() else ["(no output on stderr)"]
        super().__init__(f"`{' '.join(argv)}` exited {returncode}: {' | '.join(tail)}")
        self.returncode = returncode
        self.stderr = stderr


@dataclass(frozen=True)
class Run:
    """One execution of a command."""

    wall: float  # seconds
    user: float  # CPU seconds in user mode
    system: float  # CPU seconds in the kernel
    max_rss_kb: int  # peak resident set size of the child, KiB
    returncode: int
    stdout: str
    stderr: str

    @property
    def max_rss_mb(self) -> float:
        return self.max_rss_kb / 1024.0


def run_once(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> Run:
    """Run ``argv`` to completion and measure it (stdout/stderr are captured to files)."""
    import tempfile

    with tempfile.TemporaryFile("w+b") as out, tempfile.TemporaryFile("w+b") as err, tempfile.TemporaryFile("w+b") as inp:
        if stdin is not None:
            inp.write(stdin.encode())
            inp.seek(0)
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            stdin=inp if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        timer = None
        if timeout is not None:
            import threading

            timer = threading.Timer(timeout, process.kill)
            timer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)  # blocking: no polling jitter
        finally:
            if timer is not None:
                timer.cancel()
        wall = time.perf_counter() - start
        returncode = os.waitstatus_to_exitcode(status)
        process.returncode = returncode  # reaped by us, not by Popen
        out.seek(0)
        err.seek(0)
        result = Run(
            wall=wall,
            user=usage.ru_utime,
            system=usage.ru_stime,
            max_rss_kb=int(usage.ru_maxrss),
            returncode=returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
    if check and returncode != 0:
        raise CommandFailed(argv, returncode, result.stderr or result.stdout)
    return result


@dataclass
class Sample:
    """Repeated runs of one command; figures are medians (peak RSS: the maximum)."""

    runs: list[Run] = field(default_factory=list)

    def add(self, run: Run) -> None:
        self.runs.append(run)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.user + r.system for r in self.runs)

    @property
    def max_rss_mb(self) -> float:
        return max(r.max_rss_mb for r in self.runs)

    @property
    def walls(self) -> list[float]:
        return [r.wall for r in self.runs]


@dataclass(frozen=True)
class Job:
    """A command to measure, with how to prepare each run."""

    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    stdin: str | None = None
    before_each: object = None
    timeout: float | None = None


def interleaved(jobs: Sequence[Job], *, repeats: int, warmup: bool = False) -> list[Sample]:
    """Measure ``jobs`` in turns (A B A B ...), so a floor and its command see the same load
    on a shared machine; returns one :class:`Sample` per job."""
    samples = [Sample() for _ in jobs]
    rounds = repeats + (1 if warmup else 0)
    for round_ in range(rounds):
        for job, sample in zip(jobs, samples):
            if callable(job.before_each):
                job.before_each()
            run = run_once(job.argv, env=job.env, cwd=job.cwd, stdin=job.stdin, timeout=job.timeout)
            if not (warmup and round_ == 0):
                sample.add(run)
    return samples


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0..1) percentile of ``values``, linear interpolation between ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def load_average() -> str:
    """``uptime``'s load averages (1, 5, 15 min), or '?' where /proc is absent."""
    try:
        with open("/proc/loadavg") as handle:
            one, five, fifteen = handle.read().split()[:3]
        return f"{one} {five} {fifteen}"
    except OSError:
        return "?"
