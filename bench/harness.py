"""The measured operations, their floors and their targets (issue 8).

Each operation runs the real ``srs`` command (the installed console script) in a child
process against a scratch copy of a cached synthetic collection, a few times, and keeps the
median wall time, CPU time and peak RSS of the child. Its floor runs in the same harness
run, on the same data, in turns with it (floor, command, floor, command, ...). An operation
whose command does not exist yet is reported ``n/a (command not available)``; one whose
command fails is reported FAIL with the error.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.collection import NOW, CollectionInfo, Unavailable, collection_in_child, scratch_copy
from bench.draft_bench import op_draft
from bench.measure import CommandFailed, Job, Sample, interleaved, percentile, run_once
from bench.notes import NotesTree, tree_in_child
from bench.report import FAIL, NA, PASS, Row
from bench.stats_day import append_day, forget_caches
from srs.timeutil import to_micros

FLOORS = Path(__file__).parent / "floors"
REPO = Path(__file__).resolve().parent.parent
RSS_LIMIT_MB = 400.0
NOT_AVAILABLE = "n/a (command not available)"
UNAVAILABLE_EXIT = 3  # bench/review_loop.py: what it needs does not exist yet


@dataclass(frozen=True)
class Options:
    cards: int = 100_000
    reviews: int = 1_000_000
    files: int = 10_000
    seed: int = 1
    repeats: int = 3
    review_cards: int = 300
    out: Path = Path(__file__).parent / "out"
    only: tuple[str, ...] = ()
    warmup: bool = True  # one unmeasured run first (warm page cache and .pyc files)
    small_cards: int = 2_000  # status and the review loop are also measured at this size (flat from small to large?)
    small_reviews: int = 20_000

    @property
    def fast_repeats(self) -> int:
        """Runs for sub-second commands (start-up, status, re-import): more, their noise is larger."""
        return max(self.repeats, 5) if self.warmup else self.repeats

    @property
    def scales(self) -> list[tuple[int, int]]:
        """(cards, reviews) at which status and the review loop are measured: small, then the run's size."""
        small = (self.small_cards, self.small_reviews)
        main = (self.cards, self.reviews)
        return [main] if small == main or self.cards <= self.small_cards else [small, main]

    @property
    def sizes(self) -> str:
        return f"{self.cards:,} cards, {self.reviews:,} reviews, {self.files:,} Markdown files, seed {self.seed}"


def srs_argv() -> list[str]:
    """How to run ``srs``: the console script beside this Python, else ``python -m srs``."""
    script = Path(sys.executable).parent / "srs"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "srs"]


class Bench:
    """One harness run: options, paths, the child environment, and the rows measured so far."""

    def __init__(self, options: Options, log: Callable[[str], None]) -> None:
        self.options = options
        self.log = log
        self.out = options.out
        # per sizes, so a --quick run does not pull the files from under a full run
        self.scratch = self.out / f"scratch-c{options.cards}-r{options.reviews}-f{options.files}"
        self.home = self.out / "home"
        self.srs = srs_argv()
        self.python = sys.executable
        self.rows: list[Row] = []
        self._available: dict[tuple[str, ...], str | None] = {}
        self._collections: dict[tuple[int, int], CollectionInfo | str] = {}
        self._bases: dict[tuple[int, int], Path] = {}
        self._anki: dict[tuple[int, int], Path | str] = {}
        self._tree: NotesTree | None = None
        self.details: dict[str, object] = {}
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.mkdir(parents=True)
        self.home.mkdir(parents=True, exist_ok=True)

    # -- environment ------------------------------------------------------------------------

    def env(self, db: Path | None = None) -> dict[str, str]:
        """The child's environment: isolated HOME, fixed clock and zone, the collection."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SRS_") and k != "PYTHONDONTWRITEBYTECODE"}
        env.update(
            # bytecode cached as for an installed srs, in bench/out rather than the source tree
            PYTHONPYCACHEPREFIX=str(self.out / "pycache"),
            HOME=str(self.home),
            XDG_DATA_HOME=str(self.home / "data"),
            XDG_CONFIG_HOME=str(self.home / "config"),
            TZ="UTC",
            SRS_NOW=NOW.isoformat(),
            COLUMNS="120",
            LINES="40",
            # this checkout's srs, whichever checkout the console script was installed from
            PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH", "")])]),
        )
        if db is not None:
            env["SRS_DB"] = str(db)
        return env

    def available(self, *words: str) -> str | None:
        """None if ``srs WORDS... --help`` works, else why not (cached)."""
        if words not in self._available:
            try:
                run_once(self.srs + [*words, "--help"], env=self.env(self.scratch / "probe.db"), timeout=60)
                self._available[words] = None
            except CommandFailed as error:
                lines = [line.strip() for line in error.stderr.splitlines() if line.strip()]
                reason = next((line for line in reversed(lines) if line.startswith("Error:")), lines[-1] if lines else "")
                self._available[words] = f"{NOT_AVAILABLE}: srs {' '.join(words)}: {reason.removeprefix('Error: ')}"
        return self._available[words]

    def help_text(self, *words: str) -> str:
        return run_once(self.srs + [*words, "--help"], env=self.env(self.scratch / "probe.db"), timeout=60).stdout

    # -- data -------------------------------------------------------------------------------

    def collection(self, size: tuple[int, int] | None = None) -> CollectionInfo:
        cards, reviews = size or (self.options.cards, self.options.reviews)
        if (cards, reviews) not in self._collections:
            try:
                self._collections[cards, reviews] = collection_in_child(self.out, cards, reviews, self.options.seed, self.log)
            except Unavailable as error:
                self._collections[cards, reviews] = str(error)
        info = self._collections[cards, reviews]
        if isinstance(info, str):
            raise Unavailable(info or "no collection")
        self.details.setdefault("collections", {})[f"{cards}"] = {  # type: ignore[index]
            "cards": info.cards, "reviews": info.reviews, "decks": info.decks, "build_seconds": info.seconds_to_build}
        if (cards, reviews) == (self.options.cards, self.options.reviews):
            self.details["collection"] = {"cards": info.cards, "reviews": info.reviews, "decks": info.decks,
                                          "build_seconds": info.seconds_to_build}
        return info

    def base(self, size: tuple[int, int] | None = None) -> Path:
        """A scratch copy of the collection upgraded to the newest schema (untimed)."""
        size = size or (self.options.cards, self.options.reviews)
        if size not in self._bases:
            info = self.collection(size)
            base = scratch_copy(info.path, self.scratch / f"base-c{size[0]}.db")
            run_once(self.srs + ["db", "upgrade"], env=self.env(base), timeout=1800)
            for leftover in self.scratch.glob(f"base-c{size[0]}.db.*.bak"):
                leftover.unlink()
            self._bases[size] = base
        return self._bases[size]

    def anki(self, size: tuple[int, int] | None = None) -> Path:
        """The same collection in Anki's format (bench/anki_side.py), built once per day and size
        (Anki reads the wall clock: its timestamps are moved to end today). Unavailable without
        the ``anki`` package."""
        size = size or (self.options.cards, self.options.reviews)
        if size not in self._anki:
            from datetime import date

            info = self.collection(size)
            cached = info.path.parent / f"anki-{date.today():%Y%m%d}.anki2"
            if not cached.exists():
                partial = cached.with_suffix(".partial")
                partial.unlink(missing_ok=True)
                self.log(f"Anki's copy of the {size[0]:,}-card collection (cached for today) ...")
                made = run_once([self.python, "-m", "bench.anki_side", "build", str(self.base(size)), str(partial)],
                                env=self.env(), cwd=REPO, timeout=3600, check=False)
                if made.returncode == UNAVAILABLE_EXIT:
                    self._anki[size] = f"Anki n/a: {made.stdout.strip()}"
                elif made.returncode != 0:
                    self._anki[size] = f"Anki n/a: building its collection failed: {made.stderr.strip().splitlines()[-1:]}"
                else:
                    for stale in info.path.parent.glob("anki-*.anki2"):
                        stale.unlink()
                    partial.rename(cached)
            if size not in self._anki:
                self._anki[size] = cached
        found = self._anki[size]
        if isinstance(found, str):
            raise Unavailable(found)
        return found

    def anki_copy(self, name: str, size: tuple[int, int] | None = None) -> Path:
        return scratch_copy(self.anki(size), self.scratch / f"{name}.anki2")

    def anki_job(self, args: list[str], *, timeout: float = 600) -> Job:
        return Job([self.python, "-m", "bench.anki_side", *args], env=self.env(), cwd=REPO, timeout=timeout)

    def copy_of_base(self, name: str, size: tuple[int, int] | None = None) -> Path:
        return scratch_copy(self.base(size), self.scratch / f"{name}.db")

    def prime(self, db: Path) -> float:
        """Make the day's automatic backup of ``db`` now, untimed: the first write of a day
        copies the whole collection (srs.app.backups), a once-a-day cost measured on its own row
        ("first write of the day"), not inside the commands measured after it."""
        result = run_once(self.srs + ["config", "set", "new_per_day", "20"], env=self.env(db), timeout=600)
        return result.wall

    def tree(self) -> NotesTree:
        if self._tree is None:
            self.log(f"Markdown tree: {self.options.files:,} files (cached) ...")
            self._tree = tree_in_child(self.out, self.options.files, self.options.seed)
        return self._tree

    # -- running ----------------------------------------------------------------------------

    def srs_job(self, args: list[str], db: Path, *, timeout: float, before_each: Callable[[], object] | None = None,
                stdin: str | None = None) -> Job:
        return Job(self.srs + args, env=self.env(db), timeout=timeout, before_each=before_each, stdin=stdin)

    def floor_job(self, script: str, args: list[str], *, timeout: float) -> Job:
        return Job([self.python, str(FLOORS / script), *args], env=self.env(), timeout=timeout)

    def python_job(self, code: str, args: list[str], *, timeout: float = 600) -> Job:
        return Job([self.python, "-c", code, *args], env=self.env(), timeout=timeout)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        self.log(f"  {row.operation}: {row.verdict} {row.note}".rstrip())
        return row


def verdict(ok: bool, rss_mb: float | None) -> str:
    if rss_mb is not None and rss_mb > RSS_LIMIT_MB:
        return FAIL
    return PASS if ok else FAIL


def fill(row: Row, sample: Sample, floor: Sample | None) -> Row:
    row.time = sample.wall
    row.cpu = sample.cpu
    row.runs = [round(w, 4) for w in sample.walls]
    row.rss_mb = sample.max_rss_mb
    if floor is not None:
        row.floor = floor.wall
        row.floor_runs = [round(w, 4) for w in floor.walls]
        row.floor_rss_mb = floor.max_rss_mb
        row.floor_cpu = floor.cpu
    return row


def rss_note(row: Row) -> None:
    if row.rss_mb is not None and row.rss_mb > RSS_LIMIT_MB:
        row.note = (row.note + "; " if row.note else "") + f"peak RSS {row.rss_mb:.0f} MB over {RSS_LIMIT_MB:.0f} MB"


def failed(bench: Bench, row: Row, error: Exception) -> Row:
    row.verdict = NA if isinstance(error, Unavailable) else FAIL
    row.note = str(error) if isinstance(error, Unavailable) else f"error: {error}"
    return bench.add(row)


def require(bench: Bench, *words: str) -> None:
    if reason := bench.available(*words):
        raise Unavailable(reason)


# -- the operations ------------------------------------------------------------------------


def compare(bench: Bench, row: Row, jobs: Callable[[], list[Job]], passed: Callable[[Row], bool], *, repeats: int,
            anki: Callable[[], Job] | None = None) -> None:
    """Run a floor job, an srs job and (if given and available) Anki's job in turns, fill ``row``
    and judge it with ``passed``. ``jobs`` and ``anki`` are called inside the try, so a missing
    command or a failing floor is a row, not a crash; Anki missing only empties its column."""
    try:
        measured = jobs()
        anki_note = ""
        if anki is not None:
            try:
                measured.append(anki())
            except Unavailable as error:
                anki_note = str(error)
        samples = interleaved(measured, repeats=repeats, warmup=bench.options.warmup)
    except (CommandFailed, Unavailable) as error:
        failed(bench, row, error)
        return
    floor, sample = samples[0], samples[1]
    fill(row, sample, floor)
    if len(samples) == 3:
        row.anki, row.anki_cpu = samples[2].wall, samples[2].cpu
        row.anki_runs = [round(w, 4) for w in samples[2].walls]
    row.verdict = verdict(passed(row), row.rss_mb)
    row.note = "; ".join(n for n in (row.note, anki_note) if n)
    rss_note(row)
    bench.add(row)


def op_help(bench: Bench) -> None:
    compare(
        bench,
        Row("srs --help", "< 2x floor (python -c 'import click')", note="Anki: no equivalent (a GUI application)"),
        lambda: [bench.python_job("import click", []), bench.srs_job(["--help"], bench.scratch / "probe.db", timeout=60)],
        lambda row: row.ratio is not None and row.ratio < 2.0,
        repeats=bench.options.fast_repeats,
    )


def traced_floor(bench: Bench, words: list[str], db: Path) -> Job:
    """The floor of a read-only command: run it once (untimed) recording the SQL it sends to
    SQLite (bench/sql_trace.py), then the job replaying exactly that SQL with raw sqlite3."""
    trace = bench.scratch / f"trace-{'-'.join(words)}.json"
    result = run_once([bench.python, "-m", "bench.sql_trace", str(trace), *words], env=bench.env(db),
                      cwd=REPO, timeout=1800, check=False)
    if result.returncode != 0:
        raise CommandFailed(bench.srs + words, result.returncode, result.stderr or result.stdout)
    return bench.floor_job("replay.py", [str(trace), str(db)], timeout=1800)


def at_or_below_anki(row: Row, limit: float) -> bool:
    """The goal of issue 18: at or below Anki where Anki was measured, else the old absolute target."""
    if row.anki_ratio is not None:
        return row.anki_ratio <= 1.0
    return row.time is not None and row.time < limit


def op_status(bench: Bench) -> None:
    for size in bench.options.scales:
        def jobs(size: tuple[int, int] = size) -> list[Job]:
            require(bench, "status")
            db = bench.copy_of_base(f"readonly-c{size[0]}", size)
            return [traced_floor(bench, ["status"], db), bench.srs_job(["status"], db, timeout=120)]

        def anki(size: tuple[int, int] = size) -> Job:
            return bench.anki_job(["status", str(bench.anki_copy(f"status-c{size[0]}", size))])

        row = Row(f"srs status ({size[0]:,} cards)", "<= Anki (else < 0.6 s)",
                  note="Anki: import anki + open + deck tree with due counts, one process")
        compare(bench, row, jobs, lambda row: at_or_below_anki(row, 0.6), repeats=bench.options.fast_repeats, anki=anki)


def op_cards(bench: Bench) -> None:
    """``srs cards 'is:due'``: a search over every card, the first page of the due ones (SQL)."""
    words = ["cards", "is:due"]

    def jobs() -> list[Job]:
        require(bench, "cards")
        db = bench.copy_of_base("readonly")
        return [traced_floor(bench, words, db), bench.srs_job(words, db, timeout=120)]

    compare(bench, Row("srs cards 'is:due'", "< 0.5 s wall (start-up included)"), jobs,
            lambda row: row.time is not None and row.time < 0.5, repeats=bench.options.fast_repeats)


DAY_REVIEWS = 1_000  # answers appended before each run of a daily statistics row


def op_stats(bench: Bench) -> None:
    """``srs stats`` and ``srs stats curve`` as used day after day (the caches up to date as of the
    previous call, a day of answers since: bench/stats_day.py), and cold (the caches rebuilt from
    the whole log, as on the first call after an upgrade, an undo or a change of settings)."""
    for words, days, what in ((["stats"], 365, "the statistics screen's data, 365 days"),
                              (["stats", "curve"], 0, "the statistics screen's data, whole history")):
        def anki(days: int = days) -> Job:
            return bench.anki_job(["graphs", str(bench.anki_copy("graphs")), str(days)])

        def daily(words: list[str] = words) -> list[Job]:
            require(bench, *words)
            db = bench.copy_of_base("daily-" + "-".join(words))
            for command in (["stats"], ["stats", "curve"]):  # yesterday's calls: the caches up to date
                run_once(bench.srs + command, env=bench.env(db), timeout=1800)
            runs = iter(range(1, 1_000))
            append_day(db, DAY_REVIEWS, seed=0)  # the day the traced floor reads
            return [traced_floor(bench, words, db),
                    bench.srs_job(words, db, timeout=600, before_each=lambda: append_day(db, DAY_REVIEWS, seed=next(runs)))]

        def cold(words: list[str] = words) -> list[Job]:
            require(bench, *words)
            db = bench.copy_of_base("cold-" + "-".join(words))
            return [traced_floor(bench, words, db), bench.srs_job(words, db, timeout=600, before_each=lambda: forget_caches(db))]

        name = "srs " + " ".join(words)
        compare(bench, Row(name, f"<= Anki (else < 3 s), RSS < {RSS_LIMIT_MB:.0f} MB",
                           note=f"daily use: the statistics caches up to date as of the previous call, then {DAY_REVIEWS:,} answers "
                                f"appended (untimed) before each run, which the command adds to its caches; Anki: import anki + open + "
                                f"{what} (no drawing; Anki computes from its whole log every time)"),
                daily, lambda row: at_or_below_anki(row, 3.0), repeats=bench.options.repeats, anki=anki)
        compare(bench, Row(f"{name}, cold (caches rebuilt)", f"<= Anki (else < 3 s), RSS < {RSS_LIMIT_MB:.0f} MB",
                           note="the caches' marks deleted before each run (as after an upgrade, an undo, an edit of the log or a "
                                "change of zone, day start or parameters): the command rebuilds them from the whole log; "
                                f"Anki: import anki + open + {what} (no drawing)"),
                cold, lambda row: at_or_below_anki(row, 3.0), repeats=bench.options.repeats, anki=anki)


def _anki_review(bench: Bench, size: tuple[int, int], count: int) -> tuple[list[float], list[float], str]:
    """Anki's per-card times on its copy of the collection, or ([], [], why not)."""
    try:
        db = bench.anki_copy(f"review-c{size[0]}", size)
    except Unavailable as error:
        return [], [], str(error)
    run = run_once([bench.python, "-m", "bench.anki_side", "review", str(db), str(count)], env=bench.env(), cwd=REPO,
                   timeout=1800, check=False)
    if run.returncode != 0:
        return [], [], f"Anki n/a: {(run.stderr or run.stdout).strip().splitlines()[-1:]}"
    data = json.loads(run.stdout.strip().splitlines()[-1])
    return data["times_ms"], data["cpu_ms"], ""


def _review_note(result: dict, times: list[float], row: Row, anki_cards: int, anki_note: str,  # type: ignore[type-arg]
                 invariant_ok: bool, mismatches: object) -> str:
    phases = ", ".join(f"{k} {v:.2f} ms" for k, v in result["phase_median_ms"].items() if v is not None)
    anki_part = (f"Anki: get_queued_cards + answer_card per card on its copy, {anki_cards} cards, CPU median "
                 f"{row.anki_cpu:.2f} ms (srs {row.cpu or 0:.2f} ms, CPU ratio "
                 f"{(row.cpu or 0) / (row.anki_cpu or 1):.2f}x)" if anki_cards else anki_note)
    return (
        f"{len(times)} cards answered through {result['how']}; medians per phase: {phases}; "
        f"SQL statements per card {result.get('statements_per_card', '?')}, transactions per card "
        f"{result.get('transactions_per_card', '?')}; "
        f"replay invariant (card state == replay of its log) on the {result.get('replay_checked', 0)} answered cards: "
        f"{'holds' if invariant_ok else f'BROKEN on {mismatches} cards'}; "
        f"session set-up (open, queue built once) {result['setup_ms']:.0f} ms and the first answer "
        f"{result.get('first_card_ms', 0):.0f} ms are not per-card times (the day's automatic backup was made "
        f"before the loop: its own row); "
        f"max {max(times):.1f} ms; "
        f"floor: raw sqlite3 read + UPDATE + INSERT + COMMIT per card; {anki_part}"
    )


def op_review(bench: Bench) -> None:
    for size in bench.options.scales:
        review_at(bench, size)


def review_at(bench: Bench, size: tuple[int, int]) -> None:
    """The review loop through the library (``bench/review_loop.py``), per answered card, with
    Anki's backend answering the same number of cards of its copy right after."""
    label = f"{size[0]:,} cards"
    median_row = Row(f"review loop: per card, median ({label})", "<= Anki (else < 3 ms)", unit="ms")
    p99_row = Row(f"review loop: per card, p99 ({label})", "<= Anki (else < 10 ms)", unit="ms")
    try:
        db = bench.copy_of_base("review-floor", size)
        count = bench.options.review_cards
        floor_run = run_once([bench.python, str(FLOORS / "review.py"), str(db), str(to_micros(NOW)), str(count)],
                             env=bench.env(), timeout=600)
        floor_times = json.loads(floor_run.stdout)
        db = bench.copy_of_base("review", size)
        bench.prime(db)
        loop = run_once([bench.python, "-m", "bench.review_loop", str(db), NOW.isoformat(), str(count)],
                        env=bench.env(db), timeout=1800, cwd=REPO, check=False)
        if loop.returncode == UNAVAILABLE_EXIT:
            raise Unavailable(f"{NOT_AVAILABLE}: {loop.stdout.strip()}")
        if loop.returncode != 0:
            raise CommandFailed(["bench.review_loop"], loop.returncode, loop.stderr)
        result = json.loads(loop.stdout.strip().splitlines()[-1])
        anki_times, anki_cpu, anki_note = _anki_review(bench, size, count)
    except (CommandFailed, Unavailable) as error:
        failed(bench, median_row, error)
        failed(bench, p99_row, error)
        return
    times = result["times_ms"]
    if not times or not floor_times:
        for row in (median_row, p99_row):
            row.verdict, row.note = FAIL, "no due card was answered"
            bench.add(row)
        return
    median_row.time, median_row.floor = statistics.median(times), statistics.median(floor_times)
    p99_row.time, p99_row.floor = percentile(times, 0.99), percentile(floor_times, 0.99)
    if anki_times:
        median_row.anki, p99_row.anki = statistics.median(anki_times), percentile(anki_times, 0.99)
        median_row.anki_cpu, p99_row.anki_cpu = statistics.median(anki_cpu), percentile(anki_cpu, 0.99)
    cpu = result.get("cpu_ms") or []
    if cpu:
        median_row.cpu, p99_row.cpu = statistics.median(cpu), percentile(cpu, 0.99)
    for row in (median_row, p99_row):
        row.rss_mb = loop.max_rss_mb
        row.floor_rss_mb = floor_run.max_rss_mb
    mismatches = result.get("replay_mismatches")
    invariant_ok = mismatches == 0
    median_row.verdict = verdict(at_or_below_anki(median_row, 3.0) and invariant_ok, loop.max_rss_mb)
    p99_row.verdict = verdict(at_or_below_anki(p99_row, 10.0) and invariant_ok, loop.max_rss_mb)
    median_row.note = _review_note(result, times, median_row, len(anki_times), anki_note, invariant_ok, mismatches)
    bench.details[f"review_loop_c{size[0]}"] = {k: v for k, v in result.items() if k not in ("times_ms", "cpu_ms")}
    rss_note(median_row)
    bench.add(median_row)
    bench.add(p99_row)


_STAT_WALK = (
    "import os, sys\n"
    "n = 0\n"
    "for folder, dirs, names in os.walk(sys.argv[1]):\n"
    "    dirs[:] = [d for d in dirs if not d.startswith('.')]\n"
    "    for name in names:\n"
    "        os.stat(os.path.join(folder, name)); n += 1\n"
    "print(n)\n"
)


def op_import(bench: Bench) -> None:
    first = Row(f"srs import: first, {bench.options.files:,} files", ">= 0.7x floor throughput (ratio <= 1.43)")
    again = Row("srs import: unchanged tree again", "< 1 s")
    try:
        require(bench, "import")
        tree = bench.tree()
        empty = bench.scratch / "import-empty.db"
        run_once(bench.srs + ["init"], env=bench.env(empty), timeout=120)
        db = bench.scratch / "import.db"
        floor, sample = interleaved(
            [bench.floor_job("markdown.py", [str(tree.root)], timeout=1800),
             bench.srs_job(["import", str(tree.root)], db, timeout=3600, before_each=lambda: scratch_copy(empty, db))],
            repeats=bench.options.repeats,
        )
    except (CommandFailed, Unavailable) as error:
        failed(bench, first, error)
        failed(bench, again, error)
        return
    fill(first, sample, floor)
    first.verdict = verdict(first.ratio is not None and first.ratio <= 1 / 0.7, first.rss_mb)
    first.note = (
        f"{tree.files:,} files, {tree.bytes / 1e6:.1f} MB: srs import {tree.files / sample.wall:,.0f} files/s, "
        f"markdown-it-py alone {tree.files / floor.wall:,.0f} files/s (throughput {floor.wall / sample.wall:.2f}x); "
        f"CPU: srs import {sample.cpu:.1f} s (all its processes) for {sample.wall:.1f} s wall, "
        f"markdown-it-py {floor.cpu:.1f} s for {floor.wall:.1f} s wall"
    )
    rss_note(first)
    bench.add(first)
    try:
        walk, again_sample = interleaved(
            [bench.python_job(_STAT_WALK, [str(tree.root)]), bench.srs_job(["import", str(tree.root)], db, timeout=600)],
            repeats=bench.options.fast_repeats,
        )
    except CommandFailed as error:
        failed(bench, again, error)
        return
    fill(again, again_sample, walk)
    again.note = "floor: Python walking and stat-ing the same tree"
    again.verdict = verdict(again.time is not None and again.time < 1.0, again.rss_mb)
    rss_note(again)
    bench.add(again)


def _has_fsrs_rs() -> bool:
    import importlib.util

    return importlib.util.find_spec("fsrs_rs_python") is not None


def op_optimize(bench: Bench) -> None:
    row = Row("srs optimize", "< 20 s end to end")
    try:
        require(bench, "optimize")
        db = bench.scratch / "optimize.db"
        bench.prime(bench.copy_of_base("optimize"))
        jobs = [bench.srs_job(["optimize"], db, timeout=1800, before_each=lambda: bench.copy_of_base("optimize"))]
        if _has_fsrs_rs():
            jobs.insert(0, bench.floor_job("optimize.py", [str(bench.base())], timeout=1800))
        anki_note = ""
        try:
            jobs.append(bench.anki_job(["optimize", str(bench.anki_copy("graphs"))], timeout=1800))
        except Unavailable as error:
            anki_note = str(error)
        samples = interleaved(jobs, repeats=min(bench.options.repeats, 3))
    except (CommandFailed, Unavailable) as error:
        failed(bench, row, error)
        return
    anki = samples.pop() if not anki_note else None
    sample, floor = samples[-1], (samples[0] if len(samples) == 2 else None)
    fill(row, sample, floor)
    if anki is not None:
        row.anki, row.anki_cpu = anki.wall, anki.cpu
        row.anki_runs = [round(w, 4) for w in anki.walls]
    row.verdict = verdict(row.time is not None and row.time < 20.0 and (row.anki_ratio is None or row.anki_ratio <= 1.0), row.rss_mb)
    if floor is None:
        row.note = "floor n/a: fsrs_rs_python not installed"
    else:
        phases = floor.runs[-1].stdout.strip().splitlines()[0]
        bench.details["optimize_floor"] = phases
        row.note = f"floor: fsrs-rs-python compute_parameters called directly on items built from the same log ({phases})"
    if anki is not None:
        row.note += (f"; Anki: import anki + open + Optimize (compute_fsrs_params: items from its log, the fit, the current "
                     f"parameters scored against the fitted), peak RSS {anki.max_rss_mb:.0f} MB (srs {row.rss_mb or 0:.0f} MB); srs also scores both on "
                     "time-series splits (five more fits on up to 100,000 items)")
    elif anki_note:
        row.note += f"; {anki_note}"
    rss_note(row)
    bench.add(row)


def op_reschedule(bench: Bench) -> None:
    """``srs reschedule`` after a change of desired retention (0.90 -> 0.85), so that every
    reviewed card gets a new due date and is written, as after ``srs optimize`` saves new
    parameters (on an unchanged collection it would only verify and write nothing)."""
    row = Row(f"srs reschedule ({bench.options.cards:,} cards)", "< 10 s")
    try:
        require(bench, "reschedule")
        text = bench.help_text("reschedule")
        args = ["reschedule"] + (["--yes"] if "--yes" in text else [])
        retuned = bench.copy_of_base("reschedule-base")
        run_once(bench.srs + ["config", "set", "desired_retention", "0.85"], env=bench.env(retuned), timeout=600)
        db = bench.scratch / "reschedule.db"
        bench.prime(scratch_copy(retuned, db))
        floor, sample = interleaved(
            [bench.floor_job("reschedule.py", [str(retuned)], timeout=1800),
             bench.srs_job(args, db, timeout=1800, stdin="y\n", before_each=lambda: scratch_copy(retuned, db))],
            repeats=min(bench.options.repeats, 3),
        )
    except (CommandFailed, Unavailable) as error:
        failed(bench, row, error)
        return
    fill(row, sample, floor)
    moved = next((line.strip() for line in sample.runs[-1].stdout.splitlines() if "due date moves" in line), "")
    row.note = (f"after desired retention 0.90 -> 0.85 ({' '.join(moved.split())}); "
                "floor: raw sqlite3 scan of the log + one UPDATE per card (no FSRS arithmetic)")
    row.verdict = verdict(row.time is not None and row.time < 10.0, row.rss_mb)
    rss_note(row)
    bench.add(row)


def op_backup(bench: Bench) -> None:
    """The first write of a study day copies the collection (srs.app.backups): how long it stalls."""
    row = Row("first write of the day (daily backup)", "info (RSS < 400 MB)")
    try:
        require(bench, "config", "set")
        folder = bench.scratch / "backups"

        def fresh() -> None:
            bench.copy_of_base("backup")
            for old in folder.glob("backup-*"):
                old.unlink()

        args = ["config", "set", "new_per_day", "20"]
        db = bench.scratch / "backup.db"
        copy, first, later = interleaved(
            [bench.python_job("import shutil, sys; shutil.copyfile(sys.argv[1], sys.argv[2])",
                              [str(bench.base()), str(bench.scratch / "copy-floor.db")]),
             bench.srs_job(args, db, timeout=600, before_each=fresh),
             bench.srs_job(args, db, timeout=600)],
            repeats=bench.options.repeats,
        )
    except (CommandFailed, Unavailable) as error:
        failed(bench, row, error)
        return
    fill(row, first, copy)
    size = bench.base().stat().st_size / 1e6
    row.note = (
        f"`srs config set` as the day's first write on the {size:.0f} MB collection: {first.wall:.2f} s; the same "
        f"command once today's backup exists: {later.wall:.2f} s; floor: copying the file in Python. Paid once a "
        f"day by whichever command writes first (e.g. the first answer of the day's review session)"
    )
    row.verdict = FAIL if row.rss_mb and row.rss_mb > RSS_LIMIT_MB else "info"
    rss_note(row)
    bench.add(row)


OPERATIONS: dict[str, Callable[[Bench], None]] = {
    "help": op_help,
    "status": op_status,
    "cards": op_cards,
    "review": op_review,
    "stats": op_stats,
    "import": op_import,
    "optimize": op_optimize,
    "reschedule": op_reschedule,
    "backup": op_backup,
    "draft": op_draft,
}


# Rows without an Anki column, and why.
NO_ANKI = {
    "import": "Anki: no equivalent (Anki does not import Markdown trees)",
    "reschedule": "Anki: not measured here",
    "backup": "Anki: not measured here (Anki backs up on close, periodically)",
}


def run_all(bench: Bench) -> list[Row]:
    names = bench.options.only or tuple(OPERATIONS)
    for name in names:
        bench.log(f"[{name}]")
        before = len(bench.rows)
        try:
            OPERATIONS[name](bench)
        except Unavailable as error:
            bench.add(Row(name, "-", verdict=NA, note=str(error)))
        for row in bench.rows[before:]:
            if name in NO_ANKI and row.anki is None:
                row.note = "; ".join(n for n in (row.note, NO_ANKI[name]) if n)
    return bench.rows


def memory_row(rows: list[Row]) -> Row:
    """The memory target over every measured ``srs`` command."""
    measured = [r for r in rows if r.rss_mb is not None]
    row = Row("every command: peak RSS", f"< {RSS_LIMIT_MB:.0f} MB")
    if not measured:
        return row
    worst = max(measured, key=lambda r: r.rss_mb or 0.0)
    row.rss_mb = worst.rss_mb
    row.verdict = PASS if (worst.rss_mb or 0.0) <= RSS_LIMIT_MB else FAIL
    row.note = f"largest: {worst.operation}"
    return row
