"""make mutate: mutation testing (mutmut 3) of srs's core modules, one area at a time.

    python tools/mutate.py                        every area ([tool.srs.mutate.*] in pyproject.toml)
    python tools/mutate.py parser identity        these areas
    python tools/mutate.py parser --mutants 'srs.domain.parser.x_heading*'   some mutants of an area
    python tools/mutate.py parser --survivors     run again only the mutants that survived last time
    python tools/mutate.py parser --fresh         forget the area's earlier results first
    python tools/mutate.py parser --sample 3      every third mutant only: an estimate in a third of the time

mutmut forks every mutant from one pytest process that has run the whole test selection once, and
runs the tests that reached the mutated function; so the selection decides the time. Each area
runs in .mutate/AREA/ (links to srs/, tests/, alembic/, decks/ and a pyproject.toml whose
[tool.mutmut] lists only the area's modules and tests), so each keeps its own results between runs.
Prints, per area: mutants, killed, survived, timeouts, without tests, the score and the time taken.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutate"
LINKED = ("srs", "tests", "alembic", "alembic.ini", "decks")
MUTMUT_TABLE = re.compile(r"^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Score:
    area: str
    killed: int
    survived: int
    timeout: int
    no_tests: int
    other: int
    seconds: float

    @property
    def total(self) -> int:
        return self.killed + self.survived + self.timeout + self.no_tests + self.other

    def line(self) -> str:
        done = self.killed + self.survived + self.timeout + self.no_tests
        percent = 100 * self.killed / max(done, 1)
        return (
            f"{self.area}: {self.total} mutants, {self.killed} killed, {self.survived} survived, "
            f"{self.timeout} timeouts, {self.no_tests} without tests, {self.other} not run: "
            f"mutation score {percent:.1f}% ({self.killed} of {done}) in {self.seconds / 60:.1f} min"
        )


def area_table(text: str, area: dict[str, list[str]]) -> str:
    """[tool.mutmut] narrowed to one area's modules and tests."""
    common = tomllib.loads(text)["tool"]["mutmut"]
    tests = [test for test in area["tests"] if (ROOT / test).exists()]
    # tests of the area too slow to run for every mutant (memory bounds, big collections): named in
    # the area's ``deselect``, they still run in make test
    deselect = [arg for test in area.get("deselect", []) for arg in ("--deselect", test)]
    cli_args = common.get("pytest_add_cli_args", []) + deselect
    table = dict(common, only_mutate=area["only_mutate"], pytest_add_cli_args=cli_args, pytest_add_cli_args_test_selection=tests)
    table["use_git_change_detection"] = False  # .mutate/AREA is not the repository's root
    return "\n".join(["[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in table.items()]) + "\n"


def prepare(name: str, area: dict[str, list[str]], text: str, *, fresh: bool) -> Path:
    work = WORK / name
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for entry in LINKED:
        link = work / entry
        if (ROOT / entry).exists() and not link.is_symlink():
            link.symlink_to(ROOT / entry)
    table = area_table(text, area)
    # The project's pyproject.toml (pytest's settings) with this [tool.mutmut]; earlier results
    # are dropped only when the table changed (another selection: they no longer hold).
    (work / "pyproject.toml").write_text(MUTMUT_TABLE.sub("", text).rstrip() + "\n\n" + table)
    kept = work / "mutmut-table.toml"
    if not kept.exists() or kept.read_text() != table:
        shutil.rmtree(work / "mutants", ignore_errors=True)
        kept.write_text(table)
    return work


def statuses(mutmut: str, work: Path) -> dict[str, str]:
    """Every mutant of the area and its status (``not checked`` before a run reached it)."""
    out = subprocess.run([mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True).stdout
    pairs = (line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)
    return {name: status for name, status in pairs}


def survivors(mutmut: str, work: Path) -> list[str]:
    return [name for name, status in statuses(mutmut, work).items() if status == "survived"]


def sample(mutmut: str, work: Path, every: int) -> list[str]:
    """Every ``every``-th mutant of the area in source order not run yet, a deterministic sample
    spread over all functions (a first pass generates the mutants and the stats and runs none)."""
    if not statuses(mutmut, work):  # mutmut stops at "nothing matches" once mutants and stats are there
        subprocess.run([mutmut, "run", "srs.no-such-mutant*"], cwd=work, capture_output=True)
    known = statuses(mutmut, work)
    return [name for name in sorted(known, key=_source_order)[::every] if known[name] == "not checked"]


def _source_order(name: str) -> tuple[str, int]:
    function, _, number = name.rpartition("__mutmut_")
    return function, int(number) if number.isdigit() else 0


def score(mutmut: str, name: str, work: Path, seconds: float) -> Score:
    subprocess.run([mutmut, "export-cicd-stats"], cwd=work, check=True, capture_output=True)
    path = work / "mutants" / "mutmut-cicd-stats.json"
    if not path.exists():  # no results yet (--survivors before any run)
        return Score(name, 0, 0, 0, 0, 0, seconds)
    stats = json.loads(path.read_text())
    known = stats["killed"] + stats["survived"] + stats["timeout"] + stats["no_tests"]
    return Score(name, stats["killed"], stats["survived"], stats["timeout"], stats["no_tests"], stats["total"] - known, seconds)


def run_area(mutmut: str, name: str, work: Path, args: argparse.Namespace) -> Score:
    names = list(args.mutants)
    if args.survivors:
        names = survivors(mutmut, work)
        if not names:
            return score(mutmut, name, work, 0.0)
        # Tests added since the last run: let mutmut map them to functions in a pass that runs
        # no mutant; mutants run in the same pass as that mapping were seen to survive tests
        # that kill them when run alone.
        subprocess.run([mutmut, "run", "srs.no-such-mutant*"], cwd=work, capture_output=True)
    elif args.sample > 1:
        names = sample(mutmut, work, args.sample)
        if not names:
            return score(mutmut, name, work, 0.0)
    start = time.monotonic()
    run = subprocess.run([mutmut, "run", "--max-children", str(args.max_children), *names], cwd=work)
    seconds = time.monotonic() - start
    if run.returncode != 0:
        sys.exit(f"mutmut run failed for {name} (exit {run.returncode})")
    for line in survivors(mutmut, work):
        print(f"    survived: {line}   (cd {work.relative_to(ROOT)} && {mutmut} show {line})")
    return score(mutmut, name, work, seconds)


def main(argv: list[str] | None = None) -> int:
    text = (ROOT / "pyproject.toml").read_text()
    areas: dict[str, dict[str, list[str]]] = tomllib.loads(text)["tool"]["srs"]["mutate"]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("areas", nargs="*", metavar="AREA", help=f"one of {', '.join(areas)} (default: all)")
    parser.add_argument("--mutants", nargs="*", default=[], help="mutant name patterns within the area (mutmut run NAMES)")
    parser.add_argument("--survivors", action="store_true", help="run again only the mutants that survived")
    parser.add_argument("--sample", type=int, default=1, metavar="K", help="run every K-th mutant only (a quicker estimate)")
    parser.add_argument("--fresh", action="store_true", help="forget the area's earlier results")
    parser.add_argument("--max-children", type=int, default=2)
    args = parser.parse_args(argv)
    unknown = [name for name in args.areas if name not in areas]
    if unknown:
        parser.error(f"unknown area {', '.join(unknown)}: one of {', '.join(areas)}")
    mutmut = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or "mutmut"
    scores = []
    for name in args.areas or list(areas):
        work = prepare(name, areas[name], text, fresh=args.fresh)
        scores.append(run_area(mutmut, name, work, args))
        print(scores[-1].line(), flush=True)
    print("\n".join(["", "== mutation scores =="] + [s.line() for s in scores]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
