"""Synthetic collections for the benchmark, built with :mod:`srs.app.synthetic` and cached.

``cards`` cards with ``reviews`` reviews spread over ``span_days`` (three years by default),
drawn from a known FSRS model by :func:`srs.app.synthetic.write_synthetic` (the same generator
the statistics tests use), shared out over ten decks ``Bench::Deck 0`` ... so ``status`` and
``--deck`` have something to group. The file is cached under ``bench/out/`` keyed by sizes,
seed and the generator's source, and never opened by a measured command: each command works
on a scratch copy (see :func:`scratch_copy`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

# The instant every measured command believes it is (``SRS_NOW``): the end of the history.
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
SPAN_DAYS = 3 * 365.0
DECKS = 10


class Unavailable(Exception):
    """What a measurement needs does not exist yet (a module, a command)."""


@dataclass(frozen=True)
class CollectionInfo:
    path: Path
    cards: int
    reviews: int
    decks: int
    seconds_to_build: float
    cached: bool


def _generator_fingerprint() -> str:
    """A hash of the sources that decide the generated rows (a change means regenerate)."""
    import srs.app.synthetic
    import srs.app.synthetic_model
    import srs.domain.scheduling

    digest = hashlib.sha256()
    for module in (srs.app.synthetic, srs.app.synthetic_model, srs.domain.scheduling):
        digest.update(Path(module.__file__ or "").read_bytes())
    # The schema's migrations by name: a collection built under another chain (0006 renumbered
    # 0007, say) fails the scratch copy's upgrade ("table stats_marks already exists").
    versions = Path(srs.app.synthetic.__file__ or "").parents[2] / "alembic" / "versions"
    digest.update("\n".join(sorted(p.name for p in versions.glob("*.py"))).encode())
    return digest.hexdigest()[:10]


def build(path: Path, cards: int, reviews: int, seed: int) -> tuple[int, int, int]:
    """Write a new collection at ``path``: ``cards`` cards, about ``reviews`` reviews."""
    from srs.app.synthetic import SyntheticSpec, write_synthetic
    from srs.store.collection import Collection

    decks = max(1, min(DECKS, cards))
    total_cards = total_reviews = 0
    collection = Collection.open(str(path), now=NOW)
    try:
        for index in range(decks):
            deck_cards = cards // decks + (1 if index < cards % decks else 0)
            deck_reviews = reviews // decks + (1 if index < reviews % decks else 0)
            spec = SyntheticSpec(cards=deck_cards, reviews=deck_reviews, span_days=SPAN_DAYS, seed=seed * 1000 + index)
            summary = write_synthetic(collection, spec, now=NOW, deck=f"Bench::Deck {index}")
            total_cards += summary.cards
            total_reviews += summary.reviews
        with collection.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.exec_driver_sql("ANALYZE")
    finally:
        collection.close()
    return total_cards, total_reviews, decks


def cached_collection(out: Path, cards: int, reviews: int, seed: int, log=print) -> CollectionInfo:  # type: ignore[no-untyped-def]
    """The collection for (cards, reviews, seed), built once under ``out`` and reused."""
    import time

    try:
        fingerprint = _generator_fingerprint()
    except ImportError as error:
        raise Unavailable(f"srs.app.synthetic not importable ({error})") from None
    folder = out / f"collection-c{cards}-r{reviews}-s{seed}-{fingerprint}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        return CollectionInfo(folder / "collection.db", data["cards"], data["reviews"], data["decks"], data["seconds"], True)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    log(f"building a collection of {cards:,} cards and {reviews:,} reviews (cached afterwards) ...")
    start = time.perf_counter()
    try:
        made_cards, made_reviews, decks = build(partial / "collection.db", cards, reviews, seed)
    except Exception as error:  # the generator is someone else's code, possibly mid-edit
        shutil.rmtree(partial, ignore_errors=True)
        reason = f"srs.app.synthetic failed: {type(error).__name__}: {error}"
        older = sorted(out.glob(f"collection-c{cards}-r{reviews}-s{seed}-*/manifest.json"), key=lambda p: p.stat().st_mtime)
        if not older:
            raise Unavailable(f"cannot build the collection ({reason})") from None
        log(f"{reason}; using the collection cached by an earlier version of the generator")
        data = json.loads(older[-1].read_text())
        return CollectionInfo(older[-1].parent / "collection.db", data["cards"], data["reviews"], data["decks"], data["seconds"], True)
    seconds = time.perf_counter() - start
    for leftover in partial.glob("collection.db-*"):  # WAL/SHM, empty after the checkpoint
        leftover.unlink()
    (partial / "manifest.json").write_text(
        json.dumps({"cards": made_cards, "reviews": made_reviews, "decks": decks, "seconds": round(seconds, 1)})
    )
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    for stale in out.glob(f"collection-c{cards}-r{reviews}-s{seed}-*"):  # made by older generators
        if stale != folder:
            shutil.rmtree(stale, ignore_errors=True)
    log(f"built in {seconds:.0f} s: {made_cards:,} cards, {made_reviews:,} reviews")
    return CollectionInfo(folder / "collection.db", made_cards, made_reviews, decks, seconds, False)


def scratch_copy(source: Path, target: Path) -> Path:
    """Copy an SQLite collection file (closed, no WAL) to ``target``, replacing it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def collection_in_child(out: Path, cards: int, reviews: int, seed: int, log=print) -> CollectionInfo:  # type: ignore[no-untyped-def]
    """:func:`cached_collection` run in a child process, so that the harness itself never
    grows: Linux starts a child's ``ru_maxrss`` at its parent's peak RSS (the peak RSS
    the table reports), so a harness that built a collection in-process would inflate it."""
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "bench.collection", str(out), str(cards), str(reviews), str(seed)],
        cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE, stderr=None, text=True,
    )
    stdout, _ = process.communicate()
    lines = stdout.strip().splitlines()
    for line in lines[:-1]:
        log(line)
    data = json.loads(lines[-1]) if lines else {"unavailable": f"the collection builder exited {process.returncode}"}
    if "unavailable" in data:
        raise Unavailable(data["unavailable"])
    return CollectionInfo(Path(data["path"]), data["cards"], data["reviews"], data["decks"], data["seconds"], data["cached"])


def _main(argv: list[str]) -> int:
    out, cards, reviews, seed = Path(argv[0]), int(argv[1]), int(argv[2]), int(argv[3])
    try:
        info = cached_collection(out, cards, reviews, seed, log=lambda text: print(text, flush=True))
    except Unavailable as error:
        print(json.dumps({"unavailable": str(error)}))
        return 0
    print(json.dumps({"path": str(info.path), "cards": info.cards, "reviews": info.reviews, "decks": info.decks,
                      "seconds": info.seconds_to_build, "cached": info.cached}))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
