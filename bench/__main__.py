"""``python -m bench``: measure every ``srs`` operation against its floor and target.

Examples::

    python -m bench                          # full sizes: 100k cards, 1M reviews, 10k files
    python -m bench --quick                  # small sizes, one repeat: a minute or so
    python -m bench --only status,stats      # some operations only
    python -m bench --update-benchmarks      # also rewrite the table in BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from bench.harness import OPERATIONS, Bench, Options, memory_row, run_all
from bench.measure import load_average
from bench.report import as_json, header, machine, markdown_table, text_table

QUICK = Options(cards=2_000, reviews=20_000, files=300, repeats=1, review_cards=100, warmup=False)
BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
BEGIN, END = "<!-- bench:table -->", "<!-- /bench:table -->"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Options()
    parser.add_argument("--quick", action="store_true",
                        help=f"small sizes ({QUICK.cards:,} cards, {QUICK.reviews:,} reviews, {QUICK.files} files), one run each, no warm-up")
    parser.add_argument("--cards", type=int, help=f"cards in the collection (default {defaults.cards:,})")
    parser.add_argument("--reviews", type=int, help=f"reviews in the collection (default {defaults.reviews:,})")
    parser.add_argument("--files", type=int, help=f"Markdown files to import (default {defaults.files:,})")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="generator seed (default %(default)s)")
    parser.add_argument("--repeats", type=int, help=f"runs per measurement, median kept (default {defaults.repeats})")
    parser.add_argument("--review-cards", type=int, help=f"cards answered in the review loop (default {defaults.review_cards})")
    parser.add_argument("--only", help=f"comma-separated operations: {','.join(OPERATIONS)}")
    parser.add_argument("--out", type=Path, help="cache and scratch folder (default bench/out)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--keep-scratch", action="store_true",
                        help="keep the scratch copies of the collection (bench/out/scratch-*) after the run")
    parser.add_argument("--update-benchmarks", action="store_true",
                        help=f"replace the table between {BEGIN} and {END} in BENCHMARKS.md")
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> Options:
    base = QUICK if args.quick else Options()
    changes: dict[str, object] = {"seed": args.seed}
    for name in ("cards", "reviews", "files", "repeats", "review_cards", "out"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.only:
        names = tuple(n.strip() for n in args.only.split(",") if n.strip())
        unknown = [n for n in names if n not in OPERATIONS]
        if unknown:
            raise SystemExit(f"python -m bench: error: unknown operation(s) {', '.join(unknown)} (choose from {', '.join(OPERATIONS)})")
        changes["only"] = names
    options = replace(base, **changes)  # type: ignore[arg-type]
    for name in ("cards", "reviews", "files", "repeats", "review_cards"):
        if getattr(options, name) < (0 if name == "reviews" else 1):
            raise SystemExit(f"python -m bench: error: --{name.replace('_', '-')} must be positive")
    return options


def own_peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM of its address space). Not ``getrusage(RUSAGE_SELF)``:
    Linux starts that at the parent's peak when the process was forked (pytest's, for the smoke test)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def update_benchmarks(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        raise SystemExit(f"python -m bench: error: {path} has no {BEGIN} ... {END} markers")
    before, rest = text.split(BEGIN, 1)
    _old, after = rest.split(END, 1)
    path.write_text(f"{before}{BEGIN}\n{block}\n{END}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    options = options_from(args)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = datetime.now(timezone.utc)
    load_before = load_average()
    log(f"srs benchmark: {options.sizes}; {options.repeats} repeat(s); load {load_before}")
    bench = Bench(options, log)
    try:
        rows = run_all(bench)
    finally:
        if not args.keep_scratch:  # a dozen copies of the collection: 2 GB at full size
            import shutil

            shutil.rmtree(bench.scratch, ignore_errors=True)
    rows.append(memory_row(rows))
    load_after = load_average()
    sizes = options.sizes
    if made := bench.details.get("collection"):
        sizes += f" (generated: {made['cards']:,} cards, {made['reviews']:,} reviews in {made['decks']} decks)"  # type: ignore[index]
    top = header(sizes, load_before, load_after, started)
    print()
    print(top)
    print()
    print(text_table(rows))
    block = f"{top.replace(chr(10), '  ' + chr(10))}\n\n{markdown_table(rows)}"
    if args.markdown:
        print()
        print(block)
    harness_mb = own_peak_rss_mb()
    if harness_mb > 60:
        log(f"warning: the harness itself reached {harness_mb:.0f} MB; children's peak RSS is at least that")
    bench.details["harness_peak_rss_mb"] = round(harness_mb, 1)
    result = {
        "started": started.isoformat(),
        "machine": machine(),
        "sizes": sizes,
        "load_before": load_before,
        "load_after": load_after,
        "rows": as_json(rows),
        "details": bench.details,
    }
    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / "last-run.json").write_text(json.dumps(result, indent=2, default=str))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    if args.update_benchmarks:
        update_benchmarks(BENCHMARKS, block)
        log(f"updated {BENCHMARKS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
