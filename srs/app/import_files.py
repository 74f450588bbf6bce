"""The files of an import: the roots and folders to scan, the Markdown files found (size limit,
unreadable ones reported), their decoding and parsing, in this process or a pool of workers."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from srs.app.import_report import Problem
from srs.domain import identity
from srs.domain.hidden_text import bidi_notice
from srs.domain.parse_options import ParseOptions
from srs.domain.parsed import WARNING, ParsedFile, ReportItem
from srs.domain.parser import parse_markdown

MARKDOWN_SUFFIXES = (".md", ".markdown")


MAX_FILE_BYTES = 5 * 1024 * 1024


POOL_MIN_FILES = 64  # fewer changed files than this are parsed in this process


Progress = Callable[[int, int], None]


@dataclass(slots=True)
class _Root:
    path: Path  # resolved
    deck: str | None
    id: int | None = None  # None until inserted
    is_new: bool = False
    deck_changed: bool = False


@dataclass(slots=True)
class _Scan:
    """One walk: a root folder, a sub-folder of a root, or a single file."""

    base: Path
    root: _Root


@dataclass(slots=True)
class _Found:
    path: str  # absolute, symlinks resolved (Source.path)
    display: str
    size: int
    mtime_ns: int
    root: _Root


@dataclass(frozen=True, slots=True)
class _Job:
    path: str
    display: str
    stored_hash: str | None
    force: bool
    root_path: str | None = None  # with it, the worker also places the cards in their deck
    root_deck: str | None = None
    options: ParseOptions = ParseOptions()


@dataclass(frozen=True, slots=True)
class _Loaded:
    path: str
    size: int
    digest: str | None
    parsed: ParsedFile | None
    problem: Problem | None
    same_content: bool = False
    deck: str | None = None
    cards: tuple[identity.Incoming, ...] = ()


def _display(path: str | os.PathLike[str], cwd: str | os.PathLike[str]) -> str:
    """``path`` relative to the working directory when it is inside it, else absolute."""
    text, base = os.fspath(path), os.fspath(cwd)
    prefix = base.rstrip(os.sep) + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text


def _inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    text, base = os.fspath(path), os.fspath(folder)
    return text == base or text.startswith(base.rstrip(os.sep) + os.sep)


def deck_for(path: Path, root_path: Path, root_deck: str | None, front_matter_deck: str | None) -> str:
    """The deck of a file: ``deck:`` front matter; else, for a file at the top of its root,
    the root's deck (``--deck``, else the root's name: a flat folder is one deck, never a deck
    per file); else the folders under the root (``papers/nlp``: ``papers::nlp``), under the
    root's deck when ``--deck`` names it."""
    from srs.store.deck_names import normalise_deck_name

    if front_matter_deck and normalise_deck_name(front_matter_deck):
        return normalise_deck_name(front_matter_deck)
    if path == root_path:
        return normalise_deck_name(root_deck or path.stem) or "Default"
    relative = path.relative_to(root_path)
    folders = [part.replace("::", ":") for part in relative.parent.parts]
    if root_deck:
        return normalise_deck_name("::".join([root_deck, *folders])) or "Default"
    if folders:
        return normalise_deck_name("::".join(folders)) or "Default"
    return normalise_deck_name(root_path.name.replace("::", ":")) or "Default"


def _walk(scan: _Scan, cwd: Path, problems: list[Problem], unreadable: list[str]) -> Iterator[tuple[str, os.stat_result]]:
    """Markdown files under ``scan.base`` (or the file itself), with their stat."""
    base = scan.base
    root_real = os.fspath(scan.root.path)
    if not base.is_dir():
        try:
            yield os.fspath(base), base.stat()
        except OSError as error:
            problems.append(Problem(_display(base, cwd), None, f"cannot read ({error.strerror})"))
            unreadable.append(os.fspath(base))
        return
    seen = {os.fspath(base)}
    stack: list[tuple[str, bool]] = [(os.fspath(base), True)]  # (folder, reached without a symlink)
    while stack:
        folder, real = stack.pop()
        try:
            with os.scandir(folder) as iterator:
                entries = sorted(iterator, key=lambda entry: entry.name)
        except OSError as error:
            problems.append(Problem(_display(folder, cwd), None, f"cannot read folder ({error.strerror}); its cards are kept", WARNING))
            unreadable.append(folder)
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                link = entry.is_symlink()
                if link or not real:
                    target = os.path.realpath(entry.path)
                    if not _inside(target, root_real):
                        if link:
                            problems.append(
                                Problem(_display(entry.path, cwd), None, "symbolic link leads outside the import root; not followed", WARNING)
                            )
                        continue
                else:
                    target = entry.path
                if entry.is_dir(follow_symlinks=True):
                    if target not in seen:
                        seen.add(target)
                        subfolders.append((entry.path, real and not link))
                elif entry.is_file(follow_symlinks=True) and entry.name.lower().endswith(MARKDOWN_SUFFIXES):
                    yield target, entry.stat(follow_symlinks=True)
            except OSError as error:
                problems.append(Problem(_display(entry.path, cwd), None, f"cannot read ({error.strerror})"))
                unreadable.append(entry.path)
        stack.extend(reversed(subfolders))


def _decode(data: bytes, display: str) -> tuple[str | None, Problem | None]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem(display, 1, "UTF-16 text is not supported; save the file as UTF-8")
    if b"\x00" in data[:8192]:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        return None, Problem(display, line, "binary file (contains NUL bytes), not Markdown")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start]
        return None, Problem(display, line, f"not UTF-8 text (byte 0x{byte:02x} at column {column}); save the file as UTF-8")


def load_file(job: _Job) -> _Loaded:
    """Read, hash, decode and parse one file (runs in a worker process for large batches)."""
    try:
        with open(job.path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return _Loaded(job.path, 0, None, None, Problem(job.display, None, f"cannot read ({error.strerror})"))
    if len(data) > MAX_FILE_BYTES:
        size = os.path.getsize(job.path) if os.path.exists(job.path) else len(data)
        limit = MAX_FILE_BYTES // (1024 * 1024)
        return _Loaded(job.path, size, None, None, Problem(job.display, None, f"too large ({size / 1024 / 1024:.1f} MB; the limit is {limit} MB)"))
    digest = hashlib.sha256(data).hexdigest()
    if digest == job.stored_hash and not job.force:
        return _Loaded(job.path, len(data), digest, None, None, same_content=True)
    text, problem = _decode(data, job.display)
    if problem is not None:
        return _Loaded(job.path, len(data), digest, None, problem)
    assert text is not None
    try:
        parsed = parse_markdown(text, job.display, job.options)
        if not text.strip():
            empty = ReportItem(WARNING, None, "empty file: no cards")
            parsed = ParsedFile(parsed.path, parsed.title, None, (), False, (), (*parsed.items, empty))
        bidi = bidi_notice(text)
        if bidi is not None:
            parsed = replace(parsed, items=(*parsed.items, bidi))
        if job.root_path is None:
            return _Loaded(job.path, len(data), digest, parsed, None)
        deck = deck_for(Path(job.path), Path(job.root_path), job.root_deck, parsed.deck)
        cards = _place_cards(job.path, parsed, deck)
    except Exception as error:  # one file never stops the others (see _make_plan)
        return _Loaded(job.path, len(data), None, None, Problem(job.display, getattr(error, "line", None), failure_reason(error)))
    # The cards travel once (inside ``cards``), not twice, back from a worker process.
    light = ParsedFile(parsed.path, parsed.title, parsed.deck, parsed.tags, parsed.is_plan, (), parsed.items)
    return _Loaded(job.path, len(data), digest, light, None, deck=deck, cards=cards)


class FileFailure(Exception):
    """Something went wrong with one card of one file (``line``): that file is skipped."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line


def failure_reason(error: BaseException) -> str:
    """The report line of a file that could not be imported because of ``error``."""
    if isinstance(error, FileFailure):
        return f"{error}; the file's cards are kept as they were"
    return f"not imported ({type(error).__name__}: {error}); the file's cards are kept as they were (please report this)"


def _place_cards(path: str, parsed: ParsedFile, deck: str) -> tuple[identity.Incoming, ...]:
    """The cards of one parsed file placed in ``deck``; two cards with one key are an error
    of that file (the parser numbers repeats so that it cannot happen)."""
    headings: dict[str, str] = {}
    cards = []
    lines: dict[str, int] = {}
    for card in parsed.cards:
        try:
            placed = identity.incoming(path, card, deck=deck, tags=card.tags, headings=headings)
        except Exception as error:
            raise FileFailure(card.line, f"card cannot be placed ({type(error).__name__}: {error})") from error
        if placed.key in lines:
            raise FileFailure(card.line, f"two cards with one key (this one and line {lines[placed.key]}); please report this")
        lines[placed.key] = card.line
        cards.append(placed)
    return tuple(cards)


def _load_all(jobs: list[_Job], progress: Progress | None, workers: int | None) -> list[_Loaded]:
    total = len(jobs)
    results: list[_Loaded] = []
    cpus = os.cpu_count() or 1
    count = workers if workers is not None else min(cpus, 4)
    if count > 1 and total >= POOL_MIN_FILES:
        try:
            pooled = _load_pooled(jobs, count, progress)
        except (OSError, ImportError, RuntimeError):
            pooled = None  # no process pool here (sandbox, no /dev/shm): read in this process
        if pooled is not None:
            return pooled
    for done, job in enumerate(jobs, 1):
        results.append(load_file(job))
        if progress is not None:
            progress(done, total)
    return results


def _load_pooled(jobs: list[_Job], count: int, progress: Progress | None) -> list[_Loaded]:
    import multiprocessing

    from srs.app.worker_pool import process_pool

    methods = multiprocessing.get_all_start_methods()
    chunk = max(1, min(32, len(jobs) // (count * 8)))
    results = []
    # Workers end with this process even when it is SIGKILLed, and leave Ctrl-C to it (srs.app.worker_pool).
    pool = process_pool(count, "fork" if "fork" in methods else None)
    try:
        for done, loaded in enumerate(pool.map(load_file, jobs, chunksize=chunk), 1):
            results.append(loaded)
            if progress is not None:
                progress(done, len(jobs))
    except BaseException:
        # Ctrl-C (or an error): drop the files not read yet instead of reading them all first.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def _deepest_root(path: str | os.PathLike[str], roots: Sequence[_Root]) -> _Root | None:
    best = None
    for root in roots:
        if _inside(path, root.path) and (best is None or len(os.fspath(root.path)) > len(os.fspath(best.path))):
            best = root
    return best
