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

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from srs.app.import_files import Progress, _deepest_root, _display, _Found, _inside, _Job, _load_all, _Loaded, _Root, _Scan, _walk
from srs.app.import_plan import _apply, _file_deck, _make_plan, _Plan
from srs.app.import_report import DeckCounts, ImportReport, Problem
from srs.domain.config import IMPORT_FIELDS
from srs.domain.parse_options import ParseOptions
from srs.domain.parsed import WARNING
from srs.domain.parser import PARSER_VERSION
from srs.domain.vault_settings import describe, read_vault_settings, vault_of
from srs.errors import NotFoundError, SrsError
from srs.store import imports as q
from srs.store.deck_names import normalise_deck_name
from srs.store.settings import ALL_ROOTS, get_setting, import_syntax

DEFAULT_ROOT = "decks"


# --------------------------------------------------------------------------------------------
# The report


# --------------------------------------------------------------------------------------------
# Roots and files


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

    with collection.read_core() as session:
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
    with collection.read_core() as session:
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


def _plan_scans(paths: Sequence[str | os.PathLike[str]], roots: list[_Root], deck: str | None, cwd: Path) -> list[_Scan]:
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
    found, walked, unreadable = _find_files(scans, roots, sources, cwd, report.problems)
    report.files_found = len(found)
    file_options = _file_options(found, state, report)
    in_use = tuple(options.signature() for options in set(file_options.values()))
    state = _State(state.version, state.options, state.per_root, in_use)
    jobs, unchanged = _jobs(found, sources, state, file_options)
    removed = _removed_sources(sources, found, walked, unreadable)
    loaded = _load_all(jobs, progress, workers)
    touched = [item for item in loaded if item.same_content]
    parsed = [item for item in loaded if item.parsed is not None]
    _count_files(report, found, loaded, len(unchanged) + len(touched), len(removed))
    new_roots = [root for root in roots if root.is_new]
    changed_roots = [root for root in roots if root.deck_changed and root.id is not None]
    needs_write = bool(parsed or removed or touched or (remember and (new_roots or changed_roots)))
    digests = {item.path: item.digest for item in loaded if item.digest is not None}

    def plan(session: Any) -> _Plan:
        # Sources read in this transaction: the ones loaded before may be stale after a wait for a lock.
        current = sources if not parsed and not removed and not touched else q.load_sources(session)
        return _make_plan(session, report, found, parsed, removed, unchanged + [found[item.path] for item in touched], cwd, current)

    if not needs_write or dry_run:
        with collection.read_core() as session:
            plan(session)
        report.wrote = False
        return report

    def write(session: Any) -> None:
        for root in new_roots:
            if remember:
                root.id = q.add_root(session, str(root.path), root.deck, now)
        result = plan(session)
        previous = q.enlarge_sqlite_cache(session) if len(result.matching.matches) > 5000 else None
        _apply(session, result, found, digests, [item.path for item in touched], removed, now, report.deck_changes)
        q.restore_sqlite_cache(session, previous)
        _update_roots(session, scans, changed_roots, result.changed or bool(new_roots), now)
        if q.parser_version(session) != state.wanted:
            q.set_parser_version(session, state.wanted)

    _transact_from_scratch(collection, report, write)
    report.wrote = True
    return report


def _find_files(
    scans: list[_Scan], roots: list[_Root], sources: list[Any], cwd: Path, problems: list[Problem]
) -> tuple[dict[str, _Found], list[Path], list[str]]:
    """The Markdown files under the scanned paths, each with its root; the paths walked (a
    deleted file that was imported counts: its cards are retired); the unreadable folders."""
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
    return found, walked, unreadable


def _jobs(found: dict[str, _Found], sources: list[Any], state: _State, file_options: dict[str, ParseOptions]) -> tuple[list[_Job], list[_Found]]:
    """The files to read (new, changed on disk, or to be read again), and the files unchanged."""
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
    return jobs, unchanged


def _removed_sources(sources: list[Any], found: dict[str, _Found], walked: list[Path], unreadable: list[str]) -> list[Any]:
    """The imported files that are gone from the paths walked (not merely in an unreadable folder)."""
    return [
        source
        for source in sources
        if source.path not in found
        and any(_inside(source.path, base) for base in walked)
        and not any(_inside(source.path, folder) for folder in unreadable)
        and not os.path.exists(source.path)
    ]


def _count_files(report: ImportReport, found: dict[str, _Found], loaded: list[_Loaded], unchanged: int, removed: int) -> None:
    """The files read, unchanged and removed, in the report; each file that failed, a problem."""
    report.files_read = len(loaded)
    report.files_unchanged = unchanged
    report.files_removed = removed
    for item in loaded:
        if item.problem is not None:
            report.problems.append(item.problem)
            report.deck(_file_deck(found[item.path], None)).skipped += 1


def _update_roots(session: Any, scans: list[_Scan], changed_roots: list[_Root], imported: bool, now: datetime) -> None:
    """The roots whose deck changed get it; the scanned roots, the time of an import that changed something."""
    updates: list[dict[str, Any]] = [{"id": root.id, "deck": root.deck} for root in changed_roots]
    scanned_ids = {scan.root.id for scan in scans if scan.root.id is not None}
    if imported:
        updates += [{"id": root_id, "last_import_at": now} for root_id in scanned_ids]
    q.update_roots(session, updates)


def _transact_from_scratch(collection: Any, report: ImportReport, write: Callable[[Any], None]) -> None:
    """``write`` in one transaction. The plan is made inside the transaction so that it matches
    what is stored then; a retry after a lock starts the report again."""
    counts_before = _snapshot(report)
    attempts = 0

    def action(session: Any) -> None:
        nonlocal attempts
        if attempts:
            _restore(report, counts_before)
        attempts += 1
        write(session)

    collection.transact_core(action)


def _file_options(found: dict[str, _Found], state: _State, report: ImportReport) -> dict[str, ParseOptions]:
    """path -> the options a file is read with: the settings of the Obsidian vault it is in
    (see :mod:`srs.domain.vault_settings`; each vault used is named in the report), else ``srs config
    --root`` for its root, else ``srs config``."""
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


# --------------------------------------------------------------------------------------------
# Remembered roots


