"""The benchmark harness (bench/) must keep working: a tiny ``--quick`` run end to end, and
its parts (measurement, percentiles, the Markdown generator, the table) checked directly."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.measure import CommandFailed, Job, interleaved, percentile, run_once
from bench.notes import cached_tree, paper_note, study_plan
from bench.report import Row, markdown_table, text_table

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_prints_every_operation(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SRS_")}
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--cards", "60", "--reviews", "1500", "--files", "8",
         "--review-cards", "5", "--out", str(out), "--json", str(tmp_path / "result.json")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    table = result.stdout
    for operation in ("srs --help", "srs status", "review loop: per card, median", "review loop: per card, p99",
                      "srs stats", "srs stats curve", "srs stats, cold (caches rebuilt)", "srs stats curve, cold (caches rebuilt)",
                      "srs import: first, 8 files", "srs import: unchanged tree again",
                      "srs optimize", "srs reschedule (60 cards)", "srs draft: seconds per note (SmolLM2-135M, local)",
                      "every command: peak RSS"):
        assert re.search(rf"^{re.escape(operation)}\s", table, re.M), f"{operation!r} missing from:\n{table}"
    data = json.loads((tmp_path / "result.json").read_text())
    rows = {row["operation"]: row for row in data["rows"]}
    assert all(row["verdict"] in {"PASS", "FAIL", "n/a", "info"} for row in rows.values())
    # errors are reported as n/a (missing command) or FAIL with the reason, never silently
    for row in rows.values():
        if row["verdict"] == "n/a" or (row["verdict"] == "FAIL" and row["time"] is None):
            assert row["note"], row
    # start-up is always measurable: the command and its floor both ran, RSS from wait4
    help_row = rows["srs --help"]
    assert help_row["time"] > 0 and help_row["floor"] > 0 and help_row["rss_mb"] > 1
    assert help_row["verdict"] in {"PASS", "FAIL"}
    # the caches were written under --out and are reused on a second run
    assert list(out.glob("notes-f8-s1-v*/notes")) or rows["srs import: first, 8 files"]["verdict"] == "n/a"
    assert (out / "last-run.json").exists()
    # the review loop's reviews keep every answered card equal to the replay of its log
    review = rows["review loop: per card, median (60 cards)"]
    assert "replay invariant" in review["note"] and "holds" in review["note"], review["note"]
    # Anki's backend measured side by side where the anki package is installed (the test extra)
    try:
        import anki  # noqa: F401
    except ImportError:
        pass
    else:
        for name in ("srs status (60 cards)", "review loop: per card, median (60 cards)", "srs stats", "srs stats curve",
                     "srs stats, cold (caches rebuilt)"):
            assert rows[name]["anki"] and rows[name]["anki_ratio"], rows[name]
    assert "srs/Anki" in table and "load average" in table
    # the harness stays small: a child's ru_maxrss starts at its parent's peak RSS
    assert data["details"]["harness_peak_rss_mb"] < 60


def test_run_once_measures_the_child() -> None:
    # From a small parent, as the harness is (a child's ru_maxrss starts at its parent's peak,
    # and this pytest process is large).
    code = (
        "import sys\n"
        "from bench.measure import run_once\n"
        "big = run_once([sys.executable, '-c', \"x = bytearray(80 << 20); x[::4096] = b'1' * len(x[::4096])\"])\n"
        "small = run_once([sys.executable, '-c', 'pass'])\n"
        "print(big.max_rss_mb, small.max_rss_mb, big.wall, big.returncode)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    big, small, wall, returncode = (float(v) for v in result.stdout.split())
    assert big > 80 > small
    assert wall > 0 and returncode == 0


def test_failing_command_is_reported_with_its_error() -> None:
    with pytest.raises(CommandFailed, match="exited 3: boom"):
        run_once([sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"])
    timed_out = run_once([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5, check=False)
    assert timed_out.returncode != 0 and timed_out.wall < 10


def test_interleaved_runs_jobs_in_turns(tmp_path: Path) -> None:
    log = tmp_path / "log"
    jobs = [Job([sys.executable, "-c", f"open({str(log)!r}, 'a').write('{name}')"]) for name in "ab"]
    first, second = interleaved(jobs, repeats=3, warmup=True)
    assert log.read_text() == "abababab"  # the warm-up round is run, not kept
    assert len(first.runs) == len(second.runs) == 3


def test_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.99) == pytest.approx(99.01)
    assert percentile([4.0], 0.99) == 4.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_markdown_generator_writes_both_formats(tmp_path: Path) -> None:
    import random

    plan = study_plan(random.Random(1), 3)
    assert re.search(r"^#{2,3} (第.+周|Week \d+)", plan, re.M)
    assert re.search(r"^[-*] \[x\] .+\n\n  \S", plan, re.M)  # a done task with indented notes
    assert re.search(r"[\u4e00-\u9fff]", plan) and re.search(r"[A-Za-z]{4}", plan)
    note = paper_note(random.Random(2), 4)
    assert re.search(r"^# .+\(\d{4}\)", note, re.M) and re.search(r"^## .+\n\n\S", note, re.M)
    tree = cached_tree(tmp_path, 6, seed=5)
    files = sorted(tree.root.rglob("*.md"))
    assert len(files) == tree.files == 6
    again = cached_tree(tmp_path, 6, seed=5)  # cached: same tree, not regenerated
    assert again.root == tree.root and [f.read_bytes() for f in sorted(again.root.rglob("*.md"))] == [f.read_bytes() for f in files]


def test_tables_show_verdicts_and_notes() -> None:
    rows = [Row("srs status", "< 0.6 s", time=0.45, floor=0.09, rss_mb=80, verdict="PASS", anki=0.3, cpu=0.4, anki_cpu=0.2),
            Row("srs stats", "< 3 s", verdict="n/a", note="n/a (command not available): srs stats")]
    text = text_table(rows)
    assert "450 ms" in text and "5.00x" in text and "1.50x" in text and "2.00x" in text and "PASS" in text and "[2] srs stats: n/a" in text
    markdown = markdown_table(rows)
    assert markdown.splitlines()[0].startswith("| operation |") and "| n/a |" in markdown
