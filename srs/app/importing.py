"""``srs import``: find Markdown files, read the changed ones, match their cards, write once.

The steps of one import:

1. **Roots.** The paths given (each remembered in ``import_roots``), or every remembered
   root for a bare ``srs import`` (``./decks`` on a collection without roots).
2. **Walk.** Folders recursively: ``.md`` and ``.markdown`` files, hidden folders and files
   skipped, symbolic links followed only when they stay inside the root. A file named
   explicitly is read whatever its extension. Each file belongs to the deepest root
   containing it, which gives its deck.
3. **Skip what did not change**: same size and modification time as recorded -> not even
   opened; otherwise read and hashed, and parsed only if the hash changed. Large batches
   are read and parsed by a process pool (one worker per core).
4. **Match and write**, in ONE transaction: stored cards of the files read (and of files
   that disappeared) are matched with the parsed ones (:mod:`srs.domain.identity`); new cards are
   inserted, changed ones updated in place (keeping their review log), vanished ones retired.
   An interrupted import leaves the collection as it was; ``dry_run`` writes nothing, and an
   import that finds nothing changed does not even open a write transaction.

A file that cannot be read (not UTF-8, binary, too large, unreadable) is reported as skipped
with ``path:line: reason`` and its cards are left as they were; other files are imported.

:func:`reimport_file` re-reads one file (the review screen's edit key calls it).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from srs.domain import identity
from srs.domain.parser import (
    NOT_CARDS,
    NOTHING_TO_RECALL,
    PARSER_VERSION,
    PENDING,
    SKIPPED,
    WARNING,
    ParsedFile,
    ParseOptions,
    ReportItem,
    parse_markdown,
)
from srs.errors import NotFoundError, SrsError
from srs.text import plural

MARKDOWN_SUFFIXES = (".md", ".markdown")
MAX_FILE_BYTES = 5 * 1024 * 1024
POOL_MIN_FILES = 64  # fewer changed files than this are parsed in this process
DEFAULT_ROOT = "decks"

Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True, slots=True)
class Problem:
    """A file or part of a file that was skipped, or read with a warning."""

    path: str
    line: int | None
    reason: str
    kind: str = SKIPPED  # SKIPPED or WARNING

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"


@dataclass(frozen=True, slots=True)
class TaskItem:
    path: str
    line: int
    task: str
    deck: str


@dataclass(frozen=True, slots=True)
class NotCard:
    """A section or task that is not a card: ``reference_only`` or ``too_long``."""

    kind: str
    path: str
    line: int
    what: str  # the section's context, or "section of N characters: ..."
    deck: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


@dataclass(frozen=True, slots=True)
class DeckChange:
    """Cards of deck ``old`` now in deck ``new`` (history kept): renamed, or merged when
    several old decks went into one."""

    old: str
    new: str
    cards: int
    merged: bool

    def __str__(self) -> str:
        verb = "merged into" if self.merged else "renamed"
        return f"deck {self.old} {verb} {self.new}: {plural(self.cards, 'card')}, history kept"


@dataclass(frozen=True, slots=True)
class CardChange:
    change: str  # new, updated, moved, revived, retired
    deck: str
    path: str | None
    line: int | None
    front: str


@dataclass(slots=True)
class DeckCounts:
    new: int = 0
    updated: int = 0
    moved: int = 0
    revived: int = 0
    unchanged: int = 0
    retired: int = 0
    skipped: int = 0
    pending: int = 0
    nothing_to_recall: int = 0

    def add(self, other: DeckCounts) -> None:
        for name in self.__slots__:  # type: ignore[attr-defined]
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class ImportReport:
    roots: list[str] = field(default_factory=list)
    dry_run: bool = False
    decks: dict[str, DeckCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    pending: list[TaskItem] = field(default_factory=list)
    nothing_to_recall: list[TaskItem] = field(default_factory=list)
    not_cards: list[NotCard] = field(default_factory=list)
    deck_changes: list[DeckChange] = field(default_factory=list)
    vaults: list[str] = field(default_factory=list)  # Obsidian vaults whose card syntax was used
    cwd: str = ""
    changes: list[CardChange] = field(default_factory=list)
    files_found: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    wrote: bool = False

    def deck(self, name: str) -> DeckCounts:
        counts = self.decks.get(name)
        if counts is None:
            counts = self.decks[name] = DeckCounts()
        return counts

    @property
    def totals(self) -> DeckCounts:
        total = DeckCounts()
        for counts in self.decks.values():
            total.add(counts)
        return total

    @property
    def changed(self) -> bool:
        total = self.totals
        return bool(total.new or total.updated or total.moved or total.revived or total.retired)

    def __str__(self) -> str:
        """A one-line summary: ``2 new, 1 updated, 14 unchanged``."""
        total = self.totals
        parts = [
            f"{value} {label}"
            for label, value in (
                ("new", total.new),
                ("updated", total.updated),
                ("moved", total.moved),
                ("revived", total.revived),
                ("retired", total.retired),
                ("unchanged", total.unchanged),
                ("skipped", total.skipped),
                ("pending tasks", total.pending),
            )
            if value
        ]
        return ", ".join(parts) if parts else "nothing to import"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "roots": self.roots,
            "files": {
                "found": self.files_found,
                "read": self.files_read,
                "unchanged": self.files_unchanged,
                "removed": self.files_removed,
            },
            "decks": {name: asdict(counts) for name, counts in sorted(self.decks.items())},
            "totals": asdict(self.totals),
            "problems": [{"path": p.path, "line": p.line, "reason": p.reason, "kind": p.kind} for p in self.problems],
            "pending": [asdict(item) for item in self.pending],
            "nothing_to_recall": [asdict(item) for item in self.nothing_to_recall],
            "not_cards": {kind: [asdict(item) for item in self.not_cards if item.kind == kind] for kind in NOT_CARDS},
            "deck_changes": [asdict(change) for change in self.deck_changes],
            "vaults": self.vaults,
            "changes": [asdict(change) for change in self.changes],
        }


# --------------------------------------------------------------------------------------------
# Roots and files


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
    from srs.store.decks import normalise_deck_name

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


# --------------------------------------------------------------------------------------------
# The import


def import_notes(
    collection: Any,
    paths: Sequence[str | os.PathLike[str]] = (),
    *,
    now: datetime,
    deck: str | None = None,
    dry_run: bool = False,
    cwd: Path | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import ``paths`` (or every remembered root); see the module docstring."""
    cwd = (cwd or Path.cwd()).absolute()
    from srs.store import imports as q

    with collection.read() as session:
        stored_roots = q.load_roots(session)
        sources = q.load_sources(session)
        state = _State(q.parser_version(session), *_options(session))
    roots = [_Root(Path(row.path), row.deck, row.id) for row in stored_roots]
    scans = _plan_scans(paths, roots, deck, cwd)
    return _run(collection, scans, roots, sources, state, now=now, dry_run=dry_run, cwd=cwd, progress=progress, workers=workers)


@dataclass(frozen=True, slots=True)
class _State:
    version: Any  # the parser version stored with the collection
    options: ParseOptions  # srs config's, for the whole collection
    per_root: dict[str, ParseOptions] = field(default_factory=dict)  # srs config --root
    vaults: tuple[str, ...] = ()  # the signatures of the options in use

    @property
    def wanted(self) -> Any:
        """The version to store: another parser or other options re-read every file."""
        signature = ";".join(part for part in (self.options.signature(), *sorted(set(self.vaults))) if part)
        return f"{PARSER_VERSION};{signature}" if signature else PARSER_VERSION


def _options(session: Any) -> tuple[ParseOptions, dict[str, ParseOptions]]:
    """The options of ``srs config``: for the whole collection, and per root (``--root``)."""
    from dataclasses import replace

    from srs.domain.config import IMPORT_FIELDS
    from srs.store.presets import ALL_ROOTS, get_setting, import_syntax

    def fields(values: dict[str, Any]) -> dict[str, Any]:
        return {IMPORT_FIELDS[key]: value for key, value in values.items() if key in IMPORT_FIELDS}

    syntax = import_syntax(session)
    base = ParseOptions(max_chars=int(get_setting(session, "import_max_chars")), **fields(syntax.get(ALL_ROOTS, {})))
    return base, {root: replace(base, **fields(values)) for root, values in syntax.items() if root != ALL_ROOTS}


def reimport_file(collection: Any, path: str | os.PathLike[str], *, now: datetime, dry_run: bool = False) -> ImportReport:
    """Re-read one file (after it was edited during review) and update its cards.

    The file keeps the root and deck it was imported with; a file outside every root is
    imported on its own without being remembered as a root. A deleted file retires its cards.
    """
    from srs.store import imports as q

    with collection.read() as session:
        stored_roots = q.load_roots(session)
        sources = q.load_sources(session)
        state = _State(q.parser_version(session), *_options(session))
    target = Path(os.path.realpath(Path(path).expanduser()))
    roots = [_Root(Path(row.path), row.deck, row.id) for row in stored_roots]
    root = _deepest_root(target, roots)
    if root is None:
        root = _Root(target, None, None, is_new=False)
    scans = [_Scan(target, root)]
    known = any(source.path == str(target) for source in sources)
    if not target.exists() and not known:
        raise NotFoundError(f"{path}: no such file")
    return _run(collection, scans, roots, sources, state, now=now, dry_run=dry_run, cwd=Path.cwd(), progress=None, workers=1, remember=False)


def _deepest_root(path: str | os.PathLike[str], roots: Sequence[_Root]) -> _Root | None:
    best = None
    for root in roots:
        if _inside(path, root.path) and (best is None or len(os.fspath(root.path)) > len(os.fspath(best.path))):
            best = root
    return best


def _plan_scans(paths: Sequence[str | os.PathLike[str]], roots: list[_Root], deck: str | None, cwd: Path) -> list[_Scan]:
    from srs.store.decks import normalise_deck_name

    if deck is not None:
        deck = normalise_deck_name(deck)
        if not deck:
            raise SrsError("--deck needs a deck name (levels separated by ::)")
    if not paths:
        if deck is not None:
            raise SrsError("--deck goes with a PATH: srs import PATH --deck NAME")
        if roots:
            return [_Scan(root.path, root) for root in roots]
        default = cwd / DEFAULT_ROOT
        if not default.is_dir():
            raise SrsError(
                "nothing to import yet: give a file or folder (srs import PATH); later a bare "
                "srs import rescans every folder imported before (or ./decks when there is one)"
            )
        paths = [default]
    scans: list[_Scan] = []
    for raw in paths:
        given = Path(os.fspath(raw)).expanduser()
        if not given.is_absolute():
            given = cwd / given
        if not given.exists():
            raise NotFoundError(f"{os.fspath(raw)}: no such file or folder")
        resolved = Path(os.path.realpath(given))
        existing = next((root for root in roots if root.path == resolved), None)
        if existing is not None:
            if deck is not None and deck != existing.deck:
                existing.deck = deck
                existing.deck_changed = True
            scans.append(_Scan(resolved, existing))
            continue
        container = _deepest_root(resolved, roots)
        if container is not None and container.path.is_dir() and (deck is None or deck == container.deck):
            scans.append(_Scan(resolved, container))
            continue
        root = _Root(resolved, deck, None, is_new=True)
        roots.append(root)
        scans.append(_Scan(resolved, root))
    return scans


def _run(
    collection: Any,
    scans: list[_Scan],
    roots: list[_Root],
    sources: list[Any],
    state: _State,
    *,
    now: datetime,
    dry_run: bool,
    cwd: Path,
    progress: Progress | None,
    workers: int | None,
    remember: bool = True,
) -> ImportReport:
    report = ImportReport(roots=sorted({_display(scan.base, cwd) for scan in scans}), dry_run=dry_run, cwd=os.fspath(cwd))
    problems = report.problems
    found: dict[str, _Found] = {}
    unreadable: list[str] = []
    walked: list[Path] = []
    exact_roots = {os.fspath(root.path): root for root in roots}
    folder_roots: dict[str, _Root | None] = {}
    known_files = {source.path for source in sources}
    for scan in scans:
        if not scan.base.exists():
            if str(scan.base) in known_files and scan.base.parent.is_dir():
                walked.append(scan.base)  # an imported file that was deleted: retire its cards
                continue
            problems.append(Problem(_display(scan.base, cwd), None, "no longer exists; its cards are kept (srs sources remove forgets it)", WARNING))
            continue
        walked.append(scan.base)
        for path, stat in _walk(scan, cwd, problems, unreadable):
            if path in found:
                continue
            root = exact_roots.get(path)
            if root is None:
                folder = os.path.dirname(path)
                if folder not in folder_roots:
                    folder_roots[folder] = _deepest_root(folder, roots)
                root = folder_roots[folder] or scan.root
            found[path] = _Found(path, _display(path, cwd), stat.st_size, stat.st_mtime_ns, root)
    report.files_found = len(found)
    file_options = _file_options(found, state, report)
    in_use = tuple(options.signature() for options in set(file_options.values()))
    state = _State(state.version, state.options, state.per_root, in_use)

    by_path = {source.path: source for source in sources}
    force_all = state.version != state.wanted
    jobs: list[_Job] = []
    unchanged: list[_Found] = []
    for item in found.values():
        source = by_path.get(item.path)
        force = force_all or item.root.deck_changed or item.root.is_new or source is None or source.root_id != item.root.id or source.tasks_unknown
        if source is not None and not force and source.size == item.size and source.mtime_ns == item.mtime_ns:
            unchanged.append(item)
            continue
        options = file_options.get(item.path, state.options)
        jobs.append(_Job(item.path, item.display, source.content_hash if source else None, force, str(item.root.path), item.root.deck, options))
    removed = [
        source
        for source in sources
        if source.path not in found
        and any(_inside(source.path, base) for base in walked)
        and not any(_inside(source.path, folder) for folder in unreadable)
        and not os.path.exists(source.path)
    ]
    loaded = _load_all(jobs, progress, workers)
    touched = [item for item in loaded if item.same_content]
    parsed = [item for item in loaded if item.parsed is not None]
    failed = [item for item in loaded if item.problem is not None]
    report.files_read = len(loaded)
    report.files_unchanged = len(unchanged) + len(touched)
    report.files_removed = len(removed)

    for item in failed:
        assert item.problem is not None
        problems.append(item.problem)
        report.deck(_file_deck(found[item.path], None)).skipped += 1

    new_roots = [root for root in roots if root.is_new]
    changed_roots = [root for root in roots if root.deck_changed and root.id is not None]
    needs_write = bool(parsed or removed or touched or (remember and (new_roots or changed_roots)))
    digests = {item.path: item.digest for item in loaded if item.digest is not None}

    from srs.store import imports as q

    def plan(session: Any) -> _Plan:
        # Sources read in this transaction: the ones loaded before may be stale after a wait for a lock.
        current = sources if not parsed and not removed and not touched else q.load_sources(session)
        return _make_plan(session, report, found, parsed, removed, unchanged + [found[item.path] for item in touched], cwd, current)

    if not needs_write or dry_run:
        with collection.read() as session:
            plan(session)
        report.wrote = False
        return report

    def write(session: Any) -> None:
        from srs.store import imports as q

        for root in new_roots:
            if remember:
                root.id = q.add_root(session, str(root.path), root.deck, now)
        result = plan(session)
        previous = q.enlarge_sqlite_cache(session) if len(result.matching.matches) > 5000 else None
        _apply(session, result, found, digests, [item.path for item in touched], removed, now, report.deck_changes)
        q.restore_sqlite_cache(session, previous)
        updates = [{"id": root.id, "deck": root.deck} for root in changed_roots]
        scanned_ids = {scan.root.id for scan in scans if scan.root.id is not None}
        if result.changed or new_roots:
            updates += [{"id": root_id, "last_import_at": now} for root_id in scanned_ids]
        q.update_roots(session, updates)
        if q.parser_version(session) != state.wanted:
            q.set_parser_version(session, state.wanted)

    # The plan is made inside the transaction so that it matches what is stored then;
    # a retry after a lock starts the report again.
    counts_before = _snapshot(report)
    attempts = 0

    def action(session: Any) -> None:
        nonlocal attempts
        if attempts:
            _restore(report, counts_before)
        attempts += 1
        write(session)

    collection.transact(action)
    report.wrote = True
    return report


def _file_options(found: dict[str, _Found], state: _State, report: ImportReport) -> dict[str, ParseOptions]:
    """path -> the options a file is read with: the settings of the Obsidian vault it is in
    (see :mod:`srs.domain.vault_settings`; each vault used is named in the report), else ``srs config
    --root`` for its root, else ``srs config``."""
    from srs.domain.vault_settings import describe, read_vault_settings, vault_of

    cache: dict[str, str | None] = {}
    settings: dict[str, Any] = {}
    by_folder: dict[str, ParseOptions | None] = {}
    result: dict[str, ParseOptions] = {}
    for path, item in found.items():
        folder = os.path.dirname(path)
        if folder not in by_folder:
            vault = vault_of(folder, cache)
            if vault is not None and vault not in settings:
                settings[vault] = read_vault_settings(vault, state.options)
                report.vaults.append(describe(settings[vault]))
                if settings[vault].problem:
                    report.problems.append(Problem(_display(vault, report.cwd), None, settings[vault].problem, WARNING))
            by_folder[folder] = settings[vault].options if vault is not None else None
        options = by_folder[folder] or state.per_root.get(os.fspath(item.root.path))
        if options is not None:
            result[path] = options
    return result


def _snapshot(report: ImportReport) -> tuple[dict[str, DeckCounts], int, int, int, int]:
    return (
        {name: DeckCounts(**asdict(counts)) for name, counts in report.decks.items()},
        len(report.problems),
        len(report.pending),
        len(report.nothing_to_recall),
        len(report.not_cards),
    )


def _restore(report: ImportReport, snapshot: tuple[dict[str, DeckCounts], int, int, int, int]) -> None:
    decks, problems, pending, nothing, not_cards = snapshot
    report.decks = {name: DeckCounts(**asdict(counts)) for name, counts in decks.items()}
    del report.problems[problems:]
    del report.pending[pending:]
    del report.nothing_to_recall[nothing:]
    del report.not_cards[not_cards:]
    report.deck_changes.clear()
    report.changes.clear()


def _file_deck(item: _Found, parsed: ParsedFile | None) -> str:
    return deck_for(Path(item.path), item.root.path, item.root.deck, parsed.deck if parsed else None)


PARKED = "\x1e"  # between a retired card's key and its id when another card took its key


@dataclass(slots=True)
class _Plan:
    matching: identity.Matching
    decks: dict[str, str]  # path -> deck
    changed: bool
    stored_by_id: dict[int, Any]
    tasks: dict[str, list[list[Any]]]  # path -> its pending and nothing-to-recall tasks (Source.tasks)


def _add_task(report: ImportReport, kind: str, display: str, line: int, text: str, deck: str) -> None:
    counts = report.deck(deck)
    if kind in NOT_CARDS:
        report.not_cards.append(NotCard(kind, display, line, text, deck))
    elif kind == PENDING:
        counts.pending += 1
        report.pending.append(TaskItem(display, line, text, deck))
    else:
        counts.nothing_to_recall += 1
        report.nothing_to_recall.append(TaskItem(display, line, text, deck))


def _make_plan(
    session: Any,
    report: ImportReport,
    found: dict[str, _Found],
    parsed: list[_Loaded],
    removed: list[Any],
    unchanged: list[_Found],
    cwd: Path,
    sources: list[Any],
) -> _Plan:
    from srs.store import imports as q

    incoming: list[identity.Incoming] = []
    file_decks: dict[str, str] = {}
    tasks: dict[str, list[list[Any]]] = {}
    planned: list[tuple[_Loaded, _FilePlan]] = []
    for item in parsed:
        where = found[item.path]
        try:
            planned.append((item, _plan_file(item, where)))
        except Exception as error:  # this file is skipped, its cards kept; the others go on
            _skip_file(report, where, error)
    local_rows_of = _local_rows(session, [item.path for item, _ in planned] + [source.path for source in removed])
    for item, file_plan in _without_conflicts(session, report, found, planned, local_rows_of):
        file_decks[item.path] = file_plan.deck
        tasks[item.path] = file_plan.tasks
        counts = report.deck(file_plan.deck)
        for kind, line, text, deck_name in file_plan.tasks:
            _add_task(report, kind, found[item.path].display, line, text, deck_name)
        for problem in file_plan.problems:
            report.problems.append(problem)
            if problem.kind == SKIPPED:
                counts.skipped += 1
        incoming.extend(file_plan.cards)

    local_rows = [row for path in [*file_decks, *(source.path for source in removed)] for row in local_rows_of.get(path, ())]
    local_ids = {row.id for row in local_rows}
    local_keys = {row.key for row in local_rows}
    hashes = [card.content_hash for card in incoming if card.key not in local_keys]
    elsewhere_rows = []
    if hashes and q.has_markdown_cards(session):
        for row in q.cards_with_content(session, hashes):
            if row.id in local_ids:
                continue
            gone = row.source_path is None or (row.source_path not in found and not os.path.exists(row.source_path))
            if row.retired or gone:
                elsewhere_rows.append(row)
    local = [_stored(row) for row in local_rows]
    elsewhere = [_stored(row) for row in elsewhere_rows]
    matching = identity.match_cards(incoming, local, elsewhere)
    stored_by_id = {row.id: row for row in local_rows + elsewhere_rows}

    changed = False
    for match in matching.matches:
        counts = report.deck(match.incoming.deck)
        change = match.change
        setattr(counts, str(change), getattr(counts, str(change)) + 1)
        if change is not identity.Change.UNCHANGED:
            changed = True
            report.changes.append(CardChange(str(change), match.incoming.deck, found[match.incoming.source_path].display, match.incoming.line, match.incoming.front))
    report.deck_changes = _deck_changes(matching, stored_by_id)
    for old in matching.retired:
        row = stored_by_id[old.id]
        report.deck(row.deck).retired += 1
        changed = True
        where = _display(Path(row.source_path), cwd) if row.source_path else None
        report.changes.append(CardChange("retired", row.deck, where, row.source_line, row.front))

    # Files not read this time: their cards count as unchanged, their tasks are still open.
    if unchanged:
        by_path = {source.path: source.id for source in sources}
        unchanged_ids = [by_path[item.path] for item in unchanged if item.path in by_path]
        per_source = q.active_cards_per_source(session, unchanged_ids)
        stored_tasks = q.source_tasks(session, unchanged_ids)
        for item in unchanged:
            source_id = by_path.get(item.path)
            if source_id is None:
                continue
            for deck_name, count in per_source.get(source_id, {}).items():
                report.deck(deck_name).unchanged += count
            for kind, line, text, deck_name in stored_tasks.get(source_id, ()):
                _add_task(report, kind, item.display, line, text, deck_name)
    return _Plan(matching, file_decks, changed, stored_by_id, tasks)


@dataclass(slots=True)
class _FilePlan:
    """What one parsed file brings to the plan."""

    deck: str
    tasks: list[list[Any]]  # [kind, line, text, deck] (Source.tasks)
    problems: list[Problem]
    cards: tuple[identity.Incoming, ...]


def _plan_file(item: _Loaded, where: _Found) -> _FilePlan:
    assert item.parsed is not None
    result = item.parsed
    deck_name = item.deck or _file_deck(where, result)
    tasks: list[list[Any]] = []
    problems: list[Problem] = []
    for report_item in result.items:
        if report_item.kind in (PENDING, NOTHING_TO_RECALL, *NOT_CARDS):
            tasks.append([report_item.kind, report_item.line or 0, report_item.message, deck_name])
        else:
            problems.append(Problem(where.display, report_item.line, report_item.message, report_item.kind))
    cards = item.cards if item.deck is not None else _place_cards(item.path, result, deck_name)
    return _FilePlan(deck_name, tasks, problems, cards)


def _skip_file(report: ImportReport, where: _Found, error: BaseException) -> None:
    report.problems.append(Problem(where.display, getattr(error, "line", None), failure_reason(error)))
    report.deck(_file_deck(where, None)).skipped += 1


def _local_rows(session: Any, paths: list[str]) -> dict[str, list[Any]]:
    """The stored cards of ``paths`` (the files read and the files deleted), by path."""
    from srs.store import imports as q

    rows: dict[str, list[Any]] = {}
    for row in q.cards_of_files(session, paths) if paths else ():
        rows.setdefault(row.source_path, []).append(row)
    return rows


def _without_conflicts(
    session: Any, report: ImportReport, found: dict[str, _Found], planned: list[tuple[_Loaded, _FilePlan]], local_rows_of: dict[str, list[Any]]
) -> list[tuple[_Loaded, _FilePlan]]:
    """The planned files whose new keys no card of another file holds (keys are unique in the
    collection; a key names its file, so this only guards against a damaged collection). A file
    that fails is skipped with ``path:line: reason`` instead of failing the whole import."""
    from srs.store import imports as q

    local_keys = {row.key for rows in local_rows_of.values() for row in rows}
    fresh = {card.key: item.path for item, file_plan in planned for card in file_plan.cards if card.key not in local_keys}
    if not fresh or not q.has_markdown_cards(session):
        return planned
    held = q.cards_holding_keys(session, list(fresh))
    if not held:
        return planned
    bad: dict[str, FileFailure] = {}
    for key, card_id in held.items():
        path = fresh[key]
        line = next(card.line for item, plan in planned if item.path == path for card in plan.cards if card.key == key)
        bad.setdefault(path, FileFailure(line, f"this card's key is held by card {card_id} of another file (srs check may repair it)"))
    for path, failure in bad.items():
        _skip_file(report, found[path], failure)
    return [(item, file_plan) for item, file_plan in planned if item.path not in bad]


def _deck_changes(matching: identity.Matching, stored_by_id: dict[int, Any]) -> list[DeckChange]:
    """Which stored decks the matched cards left, and for which deck."""
    moves: dict[tuple[str, str], int] = {}
    for match in matching.matches:
        if match.stored is not None:
            old = stored_by_id[match.stored.id].deck
            if old != match.incoming.deck:
                moves[(old, match.incoming.deck)] = moves.get((old, match.incoming.deck), 0) + 1
    sources: dict[str, int] = {}
    for _old, new in moves:
        sources[new] = sources.get(new, 0) + 1
    return [DeckChange(old, new, cards, sources[new] > 1) for (old, new), cards in sorted(moves.items())]


# Tags srs itself gives a card (the leech rule): not in the notes, kept when a note is re-read,
# so that a leech stays findable (is:leech) after its note is rewritten, until it is untagged.
SRS_TAGS = ("leech",)


def _note_tags(tags: str | None) -> str:
    """``tags`` without the tags srs gave (what the notes said)."""
    return identity.tags_text(tag for tag in (tags or "").split() if tag.lower() not in SRS_TAGS)


def _with_srs_tags(new: str, stored: str | None) -> str:
    """The note's tags ``new`` plus the srs tags the stored card has."""
    names = new.split()
    lowered = {name.lower() for name in names}
    names += [tag for tag in (stored or "").split() if tag.lower() in SRS_TAGS and tag.lower() not in lowered]
    return identity.tags_text(names)


def _stored(row: Any) -> identity.Stored:
    return identity.Stored(
        id=row.id,
        key=row.key,
        kind=row.kind,
        source_path=row.source_path,
        source_line=row.source_line,
        heading_path=row.heading_path,
        back=row.back,
        content_hash=row.content_hash,
        fingerprint=identity.fingerprint(
            key=row.key, note_key=row.note_key, front=row.front, back=row.back, deck=row.deck, tags=_note_tags(row.tags), heading_path=row.heading_path
        ),
        retired=row.retired,
    )


def _apply(
    session: Any,
    plan: _Plan,
    found: dict[str, _Found],
    digests: dict[str, str],
    touched: list[str],
    removed: list[Any],
    now: datetime,
    deck_changes: Sequence[DeckChange] = (),
) -> None:
    from srs.store import imports as q

    sources = {source.path: source for source in q.load_sources(session)}
    matching = plan.matching
    new_sources = []
    source_updates = []
    for path in sorted(set(plan.decks) | set(touched)):
        where = found[path]
        values = {
            "size": where.size,
            "mtime_ns": where.mtime_ns,
            "root_id": where.root.id,
            "content_hash": digests[path],
            "imported_at": now,
        }
        if path in plan.tasks:  # read this time (a file only touched keeps its stored tasks)
            values["tasks"] = plan.tasks[path]
        existing = sources.get(path)
        if existing is None:
            new_sources.append({"path": path, **values})
        else:
            source_updates.append({"id": existing.id, **values})
    source_ids = {path: source.id for path, source in sources.items()}
    if new_sources:
        source_ids.update(q.insert_sources(session, new_sources))
    q.update_sources(session, source_updates)

    deck_ids = q.deck_ids(session, {match.incoming.deck for match in matching.matches}, now)

    def content(new: identity.Incoming, source_id: int | None) -> dict[str, Any]:
        """The columns a parsed card sets, on insert and on update alike."""
        return {
            "key": new.key,
            "note_key": new.note_key,
            "kind": new.kind,
            "deck_id": deck_ids[new.deck],
            "source_id": source_id,
            "source_path": new.source_path,
            "source_line": new.line,
            "heading_path": new.heading_path,
            "front": new.front,
            "back": new.back,
            "content_hash": new.content_hash,
            "tags": new.tags,
        }

    def inserts() -> Iterator[dict[str, Any]]:
        for match in matching.matches:
            if match.stored is not None:
                continue
            new = match.incoming
            yield {**content(new, source_ids.get(new.source_path)), "origin": "markdown", "created_at": now, "updated_at": now}

    updates = []
    for match in matching.matches:
        if match.stored is None:
            continue
        new = match.incoming
        source_id = source_ids.get(new.source_path)
        row = plan.stored_by_id[match.stored.id]
        if match.change is identity.Change.UNCHANGED:
            if row.source_line != new.line or row.source_id != source_id:
                updates.append({"id": row.id, "source_line": new.line, "source_id": source_id})
            continue
        values = content(new, source_id)
        values["tags"] = _with_srs_tags(new.tags, row.tags)
        updates.append({"id": row.id, **values, "retired_at": None, "updated_at": now})
    # Keys are unique: a card may take over the key another card holds now (repeats of one
    # task swapped or one deleted). Every key that moves is freed first, and a card retired
    # while its key goes to another card keeps its history under a parked key of its own
    # (content matching still brings it back).
    taken = {match.incoming.key for match in matching.matches if match.change is not identity.Change.UNCHANGED}
    for old in matching.retired:
        retire = {"id": old.id, "retired_at": now, "updated_at": now}
        if old.key in taken:
            retire["key"] = f"{old.key}{PARKED}{old.id}"
        updates.append(retire)
    moving = [row for row in updates if "key" in row and row["key"] != plan.stored_by_id[row["id"]].key]
    if moving:
        q.update_cards(session, [{"id": row["id"], "key": f"{PARKED}{row['id']}"} for row in moving])
    q.update_cards(session, updates)
    q.insert_cards(session, inserts())
    left = {change.old for change in deck_changes}
    if left:
        q.delete_empty_decks(session, left, keep="Default")
    q.delete_sources(session, [source.id for source in removed if source.path in source_ids])


# --------------------------------------------------------------------------------------------
# Remembered roots


@dataclass(frozen=True, slots=True)
class SourceInfo:
    path: str
    deck: str | None
    files: int
    cards: int
    added_at: datetime
    last_import_at: datetime | None
    exists: bool


def list_sources(collection: Any) -> list[SourceInfo]:
    """The remembered roots, with their number of files and active cards."""
    from srs.store import imports as q

    with collection.read() as session:
        summaries = q.root_summaries(session)
    return [
        SourceInfo(s.root.path, s.root.deck, s.files, s.cards, s.root.added_at, s.root.last_import_at, os.path.exists(s.root.path))
        for s in summaries
    ]


@dataclass(frozen=True, slots=True)
class RemovedSource:
    path: str
    files: int
    retired: int
    kept: int  # files that also sit under another root and stay imported through it

    def __str__(self) -> str:
        text = f"Forgot {self.path}: {plural(self.files, 'file')}, {plural(self.retired, 'card')} retired"
        if self.kept:
            text += f" ({plural(self.kept, 'file')} stay under another imported folder)"
        if self.retired:
            text += ". Their review history is kept: importing the path again brings them back."
        return text


def remove_source(collection: Any, path: str | os.PathLike[str], *, now: datetime) -> RemovedSource:
    """Forget a root: a bare ``srs import`` no longer rescans it and its cards are retired."""
    from srs.store import imports as q

    given = Path(os.fspath(path)).expanduser()
    candidates = {str(given.absolute()), os.path.realpath(given), os.path.normpath(given.absolute())}

    def action(session: Any) -> RemovedSource:
        roots = q.load_roots(session)
        root = next((row for row in roots if row.path in candidates), None)
        if root is None:
            known = ", ".join(row.path for row in roots) or "none yet"
            raise NotFoundError(f"{os.fspath(path)}: not an imported file or folder (imported: {known})")
        others = [_Root(Path(row.path), row.deck, row.id) for row in roots if row.id != root.id]
        owned = q.sources_of_root(session, root.id)
        moves: list[tuple[int, int | None]] = []
        dropped: list[int] = []
        for source in owned:
            other = _deepest_root(Path(source.path), others)
            if other is not None:
                moves.append((source.id, other.id))
            else:
                dropped.append(source.id)
        retired = q.retire_cards_of_sources(session, dropped, now)
        q.set_source_roots(session, moves)
        q.delete_sources(session, dropped)
        q.delete_root(session, root.id)
        return RemovedSource(root.path, len(owned), retired, len(moves))

    return collection.transact(action)
